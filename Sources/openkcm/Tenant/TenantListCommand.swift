import ArgumentParser

/// `openkcm tenant list`
struct TenantListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tenants.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/tenants")
            api.show(answer) { [["TENANT"]] + (answer["tenants"] as? [String] ?? []).map { [$0] } }
        }
    }
}
