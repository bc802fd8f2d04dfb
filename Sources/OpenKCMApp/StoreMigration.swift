import Crypto
import Foundation
public import Logging
public import OpenKCMCore
public import OpenKCMServer

/// Moves a stopped node's store to another backend (SQLite to PostgreSQL):
/// every record copied byte for byte into an empty store in one transaction
/// (records stay sealed and bound to their paths and versions), checked
/// against the source read again after the copy.
///
/// A node on SQLite keeps its audit checkpoint at `audit/checkpoint`; on a
/// shared store each node keeps its own at `audit/checkpoints/<node-id>`.
/// Moving to PostgreSQL hands the checkpoint over to the node's id (made now
/// in its data directory, kept with its audit log), under the MasterKey, so
/// the node's log keeps its checkpoint: a log cut short while the store moved
/// is still refused at the next unseal.
public enum StoreMigration {
    public struct Report: Sendable {
        public var records: Int
        /// SHA-256 over every key and value, in order: the same for source and copy.
        public var sha256: String
        /// The node id the checkpoint was handed to (SQLite to PostgreSQL).
        public var nodeID: String?
    }

    /// - Parameter masterKey: asked for only when the checkpoint must move (SQLite to PostgreSQL).
    public static func run(
        from source: StoreLocation, to target: StoreLocation, logger: Logger,
        masterKey: (SealConfiguration) async throws -> MasterKey
    ) async throws -> Report {
        guard !(source.postgres != nil && target.postgres == nil) else {
            throw SealError.misconfigured("PostgreSQL to SQLite is a move to one node: take a backup and restore it into the SQLite store")
        }
        if source.postgres == nil && target.postgres != nil,
           URL(fileURLWithPath: source.dataDirectory).standardizedFileURL.path != URL(fileURLWithPath: target.dataDirectory).standardizedFileURL.path {
            // The node's checkpoint is handed to the id kept beside its log: the log must stay where it is.
            throw SealError.misconfigured("the node keeps its data directory (its audit log) when its store moves: give --to the same [server] data_dir as --from (\(source.dataDirectory))")
        }
        if target.postgres == nil {
            try FileManager.default.createDirectory(atPath: target.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let (sourceStore, closeSource) = try await source.open(logger: logger)
        let targetStore: any Storage
        let closeTarget: @Sendable () async -> Void
        do {
            (targetStore, closeTarget) = try await target.open(logger: logger)
        } catch {
            await closeSource()
            throw error
        }
        do {
            let report = try await copy(from: sourceStore, to: targetStore, source: source, target: target, masterKey: masterKey)
            await closeTarget()
            await closeSource()
            return report
        } catch {
            await closeTarget()
            await closeSource()
            throw error
        }
    }

    private static func copy(
        from sourceStore: any Storage, to targetStore: any Storage, source: StoreLocation, target: StoreLocation,
        masterKey: (SealConfiguration) async throws -> MasterKey
    ) async throws -> Report {
        let before = try await sourceStore.snapshot()
        guard let sealRecord = before.first(where: { $0.key == SealConfiguration.storageKey }),
              let seal = try? JSONDecoder().decode(SealConfiguration.self, from: sealRecord.value)
        else { throw SealError.notInitialized }
        guard try await targetStore.list(prefix: "").isEmpty else { throw StorageError.notEmpty }
        var records = before
        var nodeID: String?
        if source.postgres == nil && target.postgres != nil {
            // The checkpoint is handed over in memory (the key is asked for before anything is written), so the
            // target gets one transaction: the records with the node's checkpoint under its id, or nothing.
            let key = try await masterKey(seal)
            let id = try NodeIdentity.load(directory: target.dataDirectory, adoptingLog: true)
            records = try await handingOver(before, checkpointTo: id, masterKey: key)
            nodeID = id
        }
        try await targetStore.load(records)
        let after = try await sourceStore.snapshot()
        guard after == before else {
            throw SealError.misconfigured("\(source) changed while it was copied: a server still runs on it. Stop it, empty \(target) and migrate again")
        }
        guard try await targetStore.snapshot() == records else {
            throw SealError.misconfigured("the copy in \(target) differs from what was written: do not use it")
        }
        var hash = SHA256()
        for record in before {
            hash.update(data: Data(record.key.utf8) + [0])
            hash.update(data: record.value)
        }
        return Report(records: before.count, sha256: Array(hash.finalize()).hexString, nodeID: nodeID)
    }

    /// `records` with the single node's checkpoint (`audit/checkpoint`) moved to `audit/checkpoints/<id>`.
    private static func handingOver(_ records: [StorageRecord], checkpointTo id: String, masterKey: MasterKey) async throws -> [StorageRecord] {
        try await SealedStorage.editing(records, masterKey: masterKey) { barrier in
            if let checkpoint = try await barrier.get(ServerCore.auditCheckpointKey) {
                try await barrier.write([.put(key: "audit/checkpoints/\(id)", value: checkpoint), .delete(key: ServerCore.auditCheckpointKey)])
            }
        }
    }
}
