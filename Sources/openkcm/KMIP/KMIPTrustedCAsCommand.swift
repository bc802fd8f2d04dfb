import ArgumentParser

/// `openkcm kmip trusted-cas`
struct KMIPTrustedCAsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trusted-cas", abstract: "List the trusted external CAs.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/kmip/trusted-cas")
            let authorities = answer["trustedCAs"] as? [[String: Any]] ?? []
            api.show(answer) {
                [["ID", "NAME", "SUBJECT", "NOT AFTER"]] + authorities.map { authority in
                    ["id", "name", "subject", "notAfter"].map { Table.text(authority[$0]) }
                }
            }
        }
    }
}
