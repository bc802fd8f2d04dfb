import ArgumentParser
import Foundation
import Logging
import OpenKCMCore
import OpenKCMServer

/// `openkcm backup restore FILE --config NODE.toml`: offline, into the empty
/// store the configuration names, with the MasterKey rebuilt as that node
/// would (shares on standard input, or its shard or seal keystores). The
/// backup is verified under the key before anything is written.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into an empty store, offline (no server running on it).",
        discussion: """
            The store is the one the configuration names ([server] data_dir for SQLite, or [storage] for PostgreSQL); \
            it must be empty. A store sealed with operator shares reads them from standard input, one per line, until \
            the threshold is reached; an auto-unsealed one uses the configuration's keystores and [server] seal. The \
            data directory must hold no audit log: the restored store is older than that log, and a server refuses to \
            unseal a store older than its own log says (move the log aside: it still verifies). Then start the server \
            with the same configuration and unseal it as before.
            """)

    @Option(help: "The configuration of the node that will run on the restored store.") var config: String
    @Option(help: "Overrides the configuration's [server] data_dir.") var dataDir: String?
    @Option(help: "Output format: table or json.") var output: OutputFormat = .table
    @Argument(help: "The backup file.") var file: String

    func run() async throws {
        try await runReporting {
            let node = try NodeConfiguration(path: config, dataDirectory: dataDir)
            let auditLog = node.location.dataDirectory + "/audit.log"
            if FileManager.default.fileExists(atPath: auditLog) {
                throw CLIFailure("\(auditLog) is the log of a running history: a server refuses to unseal a store older than its log says. Move the data directory's audit.log* aside (keep them: they still verify) and restore again")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure("cannot read \(file)") }
            let archive: BackupArchive
            do { archive = try BackupArchive(decoding: data) } catch { throw CLIFailure("\(error)") }
            guard let seal = archive.sealConfiguration else { throw CLIFailure("\(BackupError.noSealConfiguration)") }
            try FileManager.default.createDirectory(atPath: node.location.dataDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let (storage, close) = try await node.location.open(logger: Logger(label: "openkcm.restore"))
            do {
                guard try await storage.list(prefix: "").isEmpty else { throw StorageError.notEmpty }
                let masterKey = try await OfflineUnseal.masterKey(seal, keystores: node.keystores, seal: node.seal) {
                    readLine(strippingNewline: true)
                }
                let verification = try await BackupRestore.restore(archive, masterKey: masterKey, into: storage)
                await close()
                let object = BackupReport.object(verification.manifest, extra: ["restoredInto": node.location.description,
                                                                               "recordsOpened": verification.recordsOpened])
                show(object) {
                    BackupReport.rows(object, first: [("restored into", node.location.description), ("records opened", verification.recordsOpened)])
                }
            } catch {
                await close()
                throw CLIFailure("\(error)")
            }
        }
    }

    private func show(_ object: [String: Any], table: () -> [[String]]) {
        RESTClient(address: "", token: nil, output: output).show(object, table: table)
    }
}
