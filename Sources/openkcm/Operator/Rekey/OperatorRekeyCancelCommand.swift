import ArgumentParser
import Foundation

struct OperatorRekeyCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel the running rekey (root).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.DELETE, "/v1/sys/rekey")
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
