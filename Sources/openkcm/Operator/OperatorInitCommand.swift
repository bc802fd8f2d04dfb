import ArgumentParser

/// `openkcm operator init --shares N --threshold M`
struct OperatorInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make the MasterKey, split it into Shamir shares, and print the shares and a root token once."
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Number of shares (N).") var shares: Int = 5
    @Option(help: "Shares needed to unseal (M).") var threshold: Int = 3

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/sys/init", body: ["shares": shares, "threshold": threshold])
            let list = answer["shares"] as? [String] ?? []
            api.show(answer) {
                [["SHARE", "VALUE"]] + list.enumerated().map { ["\($0.offset + 1)", $0.element] }
                    + [["root token", answer["rootToken"] as? String ?? ""]]
            }
            if api.output == .table {
                Console.out("""

                    The server is initialised and unsealed. These \(list.count) shares are shown once and never stored: \
                    give each to a different custodian. Any \(threshold) of them unseal the server after a restart \
                    (openkcm operator unseal). Keep the root token safe, or revoke it once other identities exist.
                    """)
            }
        }
    }
}
