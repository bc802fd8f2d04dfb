import ArgumentParser
import Foundation
import OpenKCMCore

struct OperatorGenerateRootSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Give one share (read from standard input) to the generate-root with this nonce.")

    @OptionGroup var client: ClientOptions
    @Option(help: "The attempt's nonce, as `generate-root status` shows it with the recipient's fingerprint.") var nonce: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/generate-root/update", body: ["nonce": nonce, "share": try ShareQuorumTable.readShare()])
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
