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
            The share that completes the quorum prints the new shares once (without --share-public-key, only
            the identity that started it may give that share), with a second nonce; the new shares replace the
            old ones once a quorum of them is given back under it (rekey submit --nonce SECOND).
            """,
        subcommands: [OperatorRekeyInitCommand.self, OperatorRekeySubmitCommand.self, OperatorRekeyStatusCommand.self,
                      OperatorRekeyCancelCommand.self]
    )
}
