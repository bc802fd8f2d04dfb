import ArgumentParser

/// `openkcm l1 show --tenant T`
struct L1ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a tenant's L1 link.")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let link = try await api.call(.GET, "/v1/tenants/\(RESTClient.escape(tenant))/l1")
            api.show(link) { L1Table.rows(link) }
        }
    }
}
