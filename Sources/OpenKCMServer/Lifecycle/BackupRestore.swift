public import OpenKCMCore

/// Puts a backup into an empty store that no server runs on yet, so that a
/// node started on it unseals with the backup's shares or seal and serves
/// what the backup held.
///
/// The backup is verified under the MasterKey first (its tag, then every
/// record against its own index): nothing of a changed backup is written.
/// The records go in as one transaction, unchanged (each stays bound to its
/// path and version). Then the audit checkpoints are removed: they describe
/// the logs of the nodes that made the backup, and a restored node starts a
/// chain of its own, in a fresh data directory (the old logs keep verifying
/// where they are).
public enum BackupRestore {
    public static func restore(_ archive: BackupArchive, masterKey: MasterKey, into storage: any Storage) async throws -> BackupVerification {
        let verification = try await archive.verify(with: masterKey)
        try await storage.load(archive.records)
        let barrier = SealedStorage(backend: storage)
        barrier.unseal(with: masterKey)
        defer { barrier.seal() }
        _ = try await barrier.openIndex()
        let checkpoints = try await barrier.list(prefix: ServerCore.auditCheckpointKey)
        try await barrier.write(checkpoints.map { .delete(key: $0) })
        return verification
    }
}
