import ArgumentParser

/// `openkcm identity renew`: the caller's own token works for its lifetime again, from now.
struct IdentityRenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew", abstract: "Renew your own token before it expires: it works for its lifetime again, from now.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/identities/self/renew")
            let identity = answer["identity"] as? [String: Any] ?? [:]
            api.show(answer) { Table.pairs([("id", identity["id"]), ("name", identity["name"]), ("expires", identity["expiresAt"])]) }
        }
    }
}
