import ArgumentParser
import Foundation
import OpenKCMCore

struct OperatorGenerateRootInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Start a generate-root for your public key.")

    @OptionGroup var client: ClientOptions
    @Option(name: .customLong("recipient-key"), help: "Your public key file (PEM, RSA of 2048 bits or more, or X25519).")
    var recipientKey: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/generate-root/init", body: ["recipientKey": try ShareQuorumTable.readFile(recipientKey)])
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
