import ArgumentParser
import Foundation

/// `openkcm operator rekey submit --nonce N`: one share per call, from standard input. In the rekey's
/// first stage a current share; in its second (the nonce the new shares came with) a new one.
struct OperatorRekeySubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Give one share (read from standard input) to the rekey with this nonce: a current one, then, to verify, a new one.")

    @OptionGroup var client: ClientOptions
    @Option(help: "The rekey's nonce, as `rekey status` shows it.") var nonce: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/rekey/update", body: ["nonce": nonce, "share": try ShareQuorumTable.readShare()])
            api.show(status) { ShareQuorumTable.rows(status) }
            guard api.output == .table else { return }
            if status["shares"] != nil {
                Console.out("""

                    These new shares are shown once: give each to its custodian. They take effect once \
                    \(Table.text(status["required"])) of them are given back (echo SHARE | openkcm operator rekey submit --nonce \
                    \(Table.text(status["nonce"]))); until then the current shares still unseal this server.
                    """)
            } else if status["complete"] as? Bool == true {
                Console.out("\nThe shares are replaced: the old shares no longer unseal this server.")
            }
        }
    }
}
