import ArgumentParser
import Foundation

struct OperatorRekeyStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the running rekey.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.GET, "/v1/sys/rekey")
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
