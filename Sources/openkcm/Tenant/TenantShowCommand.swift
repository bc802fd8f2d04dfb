import ArgumentParser

/// `openkcm tenant show ID`
struct TenantShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a tenant's L1 link and L2.1 versions.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Tenant id.") var id: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let tenant = try await api.call(.GET, "/v1/tenants/\(RESTClient.escape(id))")
            api.show(tenant) { TenantTable.rows(tenant) }
        }
    }
}
