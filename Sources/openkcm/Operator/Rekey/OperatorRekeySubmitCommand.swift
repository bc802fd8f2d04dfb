import ArgumentParser
import Foundation

struct OperatorRekeySubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Give one current share (read from standard input) to the rekey with this nonce.")

    @OptionGroup var client: ClientOptions
    @Option(help: "The rekey's nonce, as `rekey status` shows it.") var nonce: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/rekey/update", body: ["nonce": nonce, "share": try ShareQuorumTable.readShare()])
            api.show(status) { ShareQuorumTable.rows(status) }
            if api.output == .table, status["complete"] as? Bool == true {
                Console.out("\nThe shares are replaced: these are shown once. The old shares no longer unseal this server.")
            }
        }
    }
}
