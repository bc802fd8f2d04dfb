import ArgumentParser
import Foundation
import OpenKCMCore

struct OperatorGenerateRootCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel the running generate-root.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.DELETE, "/v1/sys/generate-root")
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
