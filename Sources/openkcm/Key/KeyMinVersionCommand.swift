import ArgumentParser

/// `openkcm key min-version --tenant T --version N`
struct KeyMinVersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "min-version", abstract: "Refuse every L2.1 version below N, and everything they wrap.")

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "The minimum decryption version.") var version: UInt32

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.PUT, "/v1/tenants/\(RESTClient.escape(tenant))/keys/min-decryption-version", body: ["version": version])
            api.show(answer) { TenantTable.rows(answer) }
        }
    }
}
