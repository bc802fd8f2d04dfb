import ArgumentParser

/// `openkcm key rotate-root --tenant T`: a new L2 for the tenant.
struct KeyRotateRootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-root",
        abstract: "Replace a tenant's L2 (its root) with a new key, wrapped through its L1; every L2.1 version is wrapped again under it.",
        discussion: "The schedule does it every L2 period (`openkcm key policy --tenant T --root-period 180d`, [rotation] root_period_days)."
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/tenants/\(RESTClient.escape(tenant))/root/rotate")
            api.show(answer) { Table.pairs([("tenant", answer["tenant"]), ("L2 generation", answer["rootVersion"]), ("L2 due", answer["rootDueAt"])]) }
        }
    }
}
