import ArgumentParser
import Foundation
import Logging
import OpenKCMCore
import OpenKCMServer
import OpenKCMApp

/// `openkcm storage migrate --from OLD.toml --to NEW.toml`: copies a stopped
/// node's store into the empty store of another backend (SQLite to
/// PostgreSQL), byte for byte, in one transaction, checked against the
/// source read again; see ``StoreMigration``.
struct StorageMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a stopped node's store into an empty store on another backend (offline).",
        discussion: """
            Stop every server on the source first: the source is read before and after the copy, and a change in \
            between (a server still writing) fails the move. From SQLite to PostgreSQL the node's audit checkpoint \
            is handed to its node id under the MasterKey: a store sealed with operator shares reads them from \
            standard input, one per line; an auto-unsealed one uses the --to configuration's keystores and seal. \
            Then start the node with the --to configuration, keeping its data directory (its audit log).
            """)

    @Option(help: "The configuration naming the store to copy from.") var from: String
    @Option(help: "The configuration naming the empty store to copy into.") var to: String
    @Option(help: "Output format: table or json.") var output: OutputFormat = .table

    func run() async throws {
        try await runReporting {
            let source = try NodeConfiguration(path: from)
            let target = try NodeConfiguration(path: to)
            guard source.location.description != target.location.description else {
                throw CLIFailure("--from and --to name the same store (\(source.location))")
            }
            let report: StoreMigration.Report
            do {
                report = try await StoreMigration.run(from: source.location, to: target.location, logger: Logger(label: "openkcm.migrate")) { seal in
                    try await OfflineUnseal.masterKey(seal, keystores: target.keystores, seal: target.seal) { readLine(strippingNewline: true) }
                }
            } catch {
                throw CLIFailure("\(error)")
            }
            var object: [String: Any] = ["from": source.location.description, "to": target.location.description,
                                         "records": report.records, "sha256": report.sha256]
            if let node = report.nodeID { object["node"] = node }
            RESTClient(address: "", token: nil, output: output).show(object) {
                Table.pairs([("from", source.location.description), ("to", target.location.description), ("records", report.records),
                             ("sha256", report.sha256)] + (report.nodeID.map { [("node", $0)] } ?? []))
            }
        }
    }
}
