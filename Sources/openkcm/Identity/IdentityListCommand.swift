import ArgumentParser

/// `openkcm identity list`
struct IdentityListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List identities (never their tokens).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/identities")
            let identities = answer["identities"] as? [[String: Any]] ?? []
            api.show(answer) {
                [["ID", "NAME", "ROLE", "TENANT", "SERVICE", "REVOKED"]] + identities.map { identity in
                    ["id", "name", "role", "tenant", "service", "revoked"].map { Table.text(identity[$0]) }
                }
            }
        }
    }
}
