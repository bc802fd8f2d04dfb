import ArgumentParser
import Foundation
import OpenKCMCore

/// Runs on the requester's machine, offline.
struct OperatorGenerateRootDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Open the encrypted root token (base64 on standard input) with your private key; prints the token.")

    @Option(name: .customLong("private-key"), help: "Your private key file (PEM).") var privateKey: String

    func run() async throws {
        try await runReporting {
            let pem = try ShareQuorumTable.readFile(privateKey)
            guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), let encrypted = Data(base64Encoded: line) else {
                throw CLIFailure("no base64 encrypted token on standard input")
            }
            do {
                Console.out(try CustodianKey.decrypt(token: encrypted, privateKeyPEM: pem))
            } catch {
                throw CLIFailure("this token does not open with this key (\(error))")
            }
        }
    }
}
