import ArgumentParser
import Foundation
import OpenKCMCore

/// `openkcm operator decrypt-share --private-key FILE < share.enc`: runs on the
/// custodian's machine, offline; prints the share ready for `operator unseal`.
struct OperatorDecryptShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt-share",
        abstract: "Open an encrypted unseal share (base64 on standard input) with your private key; prints the share.",
        discussion: "Pipe it on: openkcm operator decrypt-share --private-key me.pem < share.enc | openkcm operator unseal"
    )

    @Option(name: .customLong("private-key"), help: "Your private key file (PEM, RSA or X25519).") var privateKey: String

    func run() async throws {
        try await runReporting {
            guard let pem = try? String(contentsOfFile: privateKey, encoding: .utf8) else { throw CLIFailure("cannot read \(privateKey)") }
            guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces),
                  let encrypted = Data(base64Encoded: line)
            else { throw CLIFailure("no base64 encrypted share on standard input") }
            do {
                let share = try CustodianKey.decrypt(encrypted, privateKeyPEM: pem)
                share.withEncodedBytes { Console.out($0.hexString) }
            } catch {
                throw CLIFailure("this share does not open with this key (\(error))")
            }
        }
    }
}
