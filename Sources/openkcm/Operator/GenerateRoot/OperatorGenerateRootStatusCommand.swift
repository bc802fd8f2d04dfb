import ArgumentParser
import Foundation
import OpenKCMCore

struct OperatorGenerateRootStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the running generate-root and its recipient's fingerprint.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.GET, "/v1/sys/generate-root")
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
