import ArgumentParser

/// `openkcm l1 rewrap --tenant T [--provider P --key K]`
struct L1RewrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrap",
        abstract: "Rewrap the tenant's L2 after the customer rotated the L1; nothing below the L2 changes.",
        discussion: """
            Without --provider/--key, the L2 is wrapped again under the same L1, which picks up a new key version at the \
            provider (transit rotate, a new Azure key version; AWS rotation needs nothing). With them, the L2 moves to a \
            new L1 key (the same as `openkcm l1 link`).
            """
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "A new L1 provider (with --key).") var provider: String?
    @Option(help: "A new L1 key reference (with --provider).") var key: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let path = "/v1/tenants/\(RESTClient.escape(tenant))/l1"
            let link: [String: Any]
            switch (provider, key) {
            case (nil, nil): link = try await api.call(.POST, path + "/rewrap")
            case (let provider?, let key?): link = try await api.call(.PUT, path, body: ["provider": provider, "key": key])
            default: throw CLIFailure("--provider and --key go together")
            }
            api.show(link) { L1Table.rows(link) }
        }
    }
}
