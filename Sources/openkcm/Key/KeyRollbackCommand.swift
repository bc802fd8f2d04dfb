import ArgumentParser

/// `openkcm key rollback --tenant T --version N`
struct KeyRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollback", abstract: "Make an earlier active L2.1 version current again.")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "The version to make current.") var version: UInt32

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/tenants/\(RESTClient.escape(tenant))/keys/rollback", body: ["version": version])
            api.show(answer) { TenantTable.rows(answer) }
        }
    }
}
