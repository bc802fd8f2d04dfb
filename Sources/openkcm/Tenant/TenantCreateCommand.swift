import ArgumentParser

/// `openkcm tenant create ID --l1-provider P --l1-key K`
struct TenantCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a tenant whose L2 is wrapped by its L1.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Tenant id.") var id: String
    @Option(name: .customLong("l1-provider"), help: "L1 keystore provider (e.g. software).") var provider: String
    @Option(name: .customLong("l1-key"), help: "L1 key reference within the provider.") var key: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let tenant = try await api.call(.POST, "/v1/tenants", body: ["id": id, "l1": ["provider": provider, "key": key]])
            api.show(tenant) { TenantTable.rows(tenant) }
        }
    }
}
