import ArgumentParser
import Foundation

struct OperatorRekeyInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Start a rekey (root).")

    @OptionGroup var client: ClientOptions
    @Option(help: "Number of new shares (N).") var shares: Int
    @Option(help: "New shares needed to unseal (M).") var threshold: Int
    @Option(name: .customLong("share-public-key"), help: "A custodian's public key file (PEM), once per new share.")
    var publicKeyFiles: [String] = []

    func run() async throws {
        try await runReporting {
            var body: [String: Any] = ["shares": shares, "threshold": threshold]
            if !publicKeyFiles.isEmpty { body["sharePublicKeys"] = try publicKeyFiles.map(ShareQuorumTable.readFile) }
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/rekey/init", body: body)
            api.show(status) { ShareQuorumTable.rows(status) }
        }
    }
}
