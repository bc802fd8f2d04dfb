import ArgumentParser

/// `openkcm service list --tenant T`
struct ServiceListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a tenant's services.")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/tenants/\(RESTClient.escape(tenant))/services")
            api.show(answer) { [["SERVICE"]] + (answer["services"] as? [String] ?? []).map { [$0] } }
        }
    }
}
