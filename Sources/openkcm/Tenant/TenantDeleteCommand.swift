import ArgumentParser

/// `openkcm tenant delete ID --yes`: crypto-shreds the tenant.
struct TenantDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Crypto-shred a tenant: its keys are deleted and its data can never be opened again.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Tenant id.") var id: String
    @Flag(help: "Confirm: this cannot be undone.") var yes = false

    func run() async throws {
        try await runReporting {
            guard yes else { throw CLIFailure("deleting a tenant destroys its keys for good; pass --yes to confirm") }
            _ = try await client.client().call(.DELETE, "/v1/tenants/\(RESTClient.escape(id))")
            Console.out("tenant \(id) destroyed")
        }
    }
}
