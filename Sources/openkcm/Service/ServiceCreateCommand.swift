import ArgumentParser

/// `openkcm service create --tenant T SERVICE`
struct ServiceCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a service and its L3 key.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var target: ServiceTarget

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let service = try await api.call(.POST, "/v1/tenants/\(RESTClient.escape(target.tenant))/services", body: ["id": target.service])
            api.show(service) { ServiceTable.rows(service) }
        }
    }
}
