import ArgumentParser

/// `openkcm l1 link --tenant T --provider P --key K`
struct L1LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link", abstract: "Link a tenant to its L1 again, or to a new L1 (the L2 is rewrapped under it).")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "L1 keystore provider.") var provider: String
    @Option(help: "L1 key reference.") var key: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let link = try await api.call(.PUT, "/v1/tenants/\(RESTClient.escape(tenant))/l1", body: ["provider": provider, "key": key])
            api.show(link) { L1Table.rows(link) }
        }
    }
}
