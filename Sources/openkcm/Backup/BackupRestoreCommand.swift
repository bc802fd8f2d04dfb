import ArgumentParser
import Foundation
import Logging
import OpenKCMCore
import OpenKCMServer
import OpenKCMApp

/// `openkcm backup restore FILE --config NODE.toml`: offline, into the empty
/// store the configuration names, with the MasterKey rebuilt as that node
/// would (shares on standard input, or its shard or seal keystores). The
/// backup is verified under the key, and the key checked against the value
/// the operator expects, before the store is even opened.
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into an empty store, offline (no server running on it).",
        discussion: """
            The store is the one the configuration names ([server] data_dir for SQLite, or [storage] for PostgreSQL); \
            it must be empty. A store sealed with operator shares reads them from standard input, one per line, until \
            the threshold is reached; an auto-unsealed one uses the configuration's keystores and [server] seal, and \
            needs --master-key-check: the check value your servers show (operator status) and your backups name, \
            recorded when you took them, so that a backup made under someone else's key is refused. The data \
            directory must hold no audit log: the restored store is older than that log, and a server refuses to \
            unseal a store older than its own log says (move audit.log* and node-id aside: the log still verifies). \
            Then start the server with the same configuration and unseal it as before.
            """)

    @Option(help: "The configuration of the node that will run on the restored store.") var config: String
    @Option(help: "Overrides the configuration's [server] data_dir.") var dataDir: String?
    @Option(help: "The MasterKey check value to expect (hex; required for keystore and shard-keystore seals).")
    var masterKeyCheck: String?
    @Option(help: "Output format: table or json.") var output: OutputFormat = .table
    @Argument(help: "The backup file.") var file: String

    func run() async throws {
        try await runReporting {
            let node = try NodeConfiguration(path: config, dataDirectory: dataDir)
            let directory = node.location.dataDirectory
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            if names.contains(where: { $0.hasPrefix("audit.log") }) {
                throw CLIFailure("\(directory) holds an audit log of a running history: a server refuses to unseal a store older than its log says. Move audit.log* and node-id aside (keep them: the log still verifies) and restore again")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure("cannot read \(file)") }
            let archive: BackupArchive
            do { archive = try BackupArchive(decoding: data) } catch { throw CLIFailure("\(error)") }
            guard let seal = archive.sealConfiguration else { throw CLIFailure("\(BackupError.noSealConfiguration)") }
            // A share set binds the key the shares make; a keystore seal only binds what the backup claims.
            guard masterKeyCheck != nil || seal.kind == .shamir else {
                throw CLIFailure("this backup's store is sealed by \(seal.kind.rawValue): give --master-key-check with the check value your servers show, so that a backup made under another key is refused")
            }
            let prepared: (verification: BackupVerification, records: [StorageRecord])
            do {
                let masterKey = try await OfflineUnseal.masterKey(seal, keystores: node.keystores, seal: node.seal) { readLine(strippingNewline: true) }
                prepared = try await BackupRestore.prepare(archive, masterKey: masterKey, expectedMasterKeyCheck: masterKeyCheck)
            } catch {
                throw CLIFailure("\(error)", exitCode: Self.exitCode(error))
            }
            if node.location.postgres == nil {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            do {
                let (storage, close) = try await node.location.open(logger: Logger(label: "openkcm.restore"))
                do {
                    try await storage.load(prepared.records)
                    await close()
                } catch {
                    await close()
                    throw error
                }
            } catch {
                throw CLIFailure("\(node.location): \(error)", exitCode: Self.exitCode(error))
            }
            let object = BackupReport.object(prepared.verification.manifest, extra: ["restoredInto": node.location.description,
                                                                                    "recordsOpened": prepared.verification.recordsOpened])
            RESTClient(address: "", token: nil, output: output).show(object) {
                BackupReport.rows(object, first: [("restored into", node.location.description), ("records opened", prepared.verification.recordsOpened)])
            }
        }
    }

    /// 3 for a store or keystore that failed (try again), 1 for a refusal (the backup, the shares, a store in use).
    static func exitCode(_ error: any Error) -> Int32 {
        if case StorageError.backendFailure = error { return 3 }
        if error is KeystoreError { return 3 }
        return 1
    }
}
