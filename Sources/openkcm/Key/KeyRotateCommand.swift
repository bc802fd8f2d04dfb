import ArgumentParser

/// `openkcm key rotate --tenant T`
struct KeyRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate", abstract: "Add an L2.1 version and make it current.")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/tenants/\(RESTClient.escape(tenant))/keys/rotate")
            api.show(answer) { TenantTable.rows(answer) }
        }
    }
}
