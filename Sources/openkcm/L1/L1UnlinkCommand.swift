import ArgumentParser

/// `openkcm l1 unlink --tenant T`: the kill switch.
struct L1UnlinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlink", abstract: "Remove a tenant's L1 link: the tenant locks at once (kill switch).")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let link = try await api.call(.DELETE, "/v1/tenants/\(RESTClient.escape(tenant))/l1")
            api.show(link) { L1Table.rows(link) }
        }
    }
}
