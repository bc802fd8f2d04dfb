import ArgumentParser

/// `openkcm datakey revoke --tenant T --service S BLOB`: OpenKCM refuses that blob from then on.
struct DataKeyRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke one data key of this service by its wrapped blob (base64): every later unwrap is refused.",
        discussion: """
            A revocation (a deny-list at the core), not crypto-shredding: the service key could still open the blob. \
            To make data unrecoverable from every copy, bind its keys to a subject (--subject) and use `openkcm subject destroy`.
            """)

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @Argument(help: "The wrapped blob, base64.") var wrapped: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/revoke", body: ["wrapped": wrapped])
            api.show(answer) { Table.pairs([("revoked", answer["revoked"]), ("digest", answer["digest"])]) }
        }
    }
}
