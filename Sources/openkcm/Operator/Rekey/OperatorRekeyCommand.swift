import ArgumentParser
import Foundation

/// `openkcm operator rekey`: new shares (new N and M) for the same MasterKey,
/// from a quorum of the current ones, as `vault operator rekey`.
struct OperatorRekeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Replace the unseal shares: root starts it, a quorum of the current shares completes it.",
        discussion: """
            openkcm operator rekey init --shares 5 --threshold 3   (root; four-eyes when configured)
            echo SHARE | openkcm operator rekey submit --nonce NONCE   (each holder of a current share)
            The share that completes it prints the new shares once; the old ones then open nothing.
            """,
        subcommands: [OperatorRekeyInitCommand.self, OperatorRekeySubmitCommand.self, OperatorRekeyStatusCommand.self,
                      OperatorRekeyCancelCommand.self]
    )
}
