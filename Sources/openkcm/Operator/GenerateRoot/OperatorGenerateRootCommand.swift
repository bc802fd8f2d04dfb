import ArgumentParser
import Foundation
import OpenKCMCore

/// `openkcm operator generate-root`: a new root token from a quorum of the
/// unseal shares, for when no root token is left (as `vault operator generate-root`).
/// The token is encrypted to the public key given at init, so only its holder reads it.
struct OperatorGenerateRootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-root",
        abstract: "Make a root token from a quorum of unseal shares, encrypted to your public key.",
        discussion: """
            openkcm operator generate-root init --recipient-key me.pub.pem   (prints the nonce and the key's fingerprint)
            echo SHARE | openkcm operator generate-root submit --nonce NONCE   (each share holder, after checking the fingerprint)
            openkcm operator generate-root decode --private-key me.pem < token.enc
            """,
        subcommands: [OperatorGenerateRootInitCommand.self, OperatorGenerateRootSubmitCommand.self, OperatorGenerateRootStatusCommand.self,
                      OperatorGenerateRootCancelCommand.self, OperatorGenerateRootDecodeCommand.self]
    )
}
