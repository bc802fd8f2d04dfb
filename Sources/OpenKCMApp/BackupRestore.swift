public import OpenKCMCore
public import OpenKCMServer

/// Puts a backup into an empty store that no server runs on yet, so that a
/// node started on it unseals with the backup's shares or seal and serves
/// what the backup held.
///
/// The backup is verified under the MasterKey first (its tag, then every
/// record against its own index), and the key is checked against the check
/// value the operator expects: a backup's seal configuration is its own
/// claim, and for a keystore seal anyone allowed to encrypt under the seal
/// key could make a whole backup under a MasterKey of their own. Then the
/// audit checkpoints are removed (they describe the logs of the nodes that
/// made the backup; a restored node starts a chain of its own) in memory,
/// and the store gets everything in one transaction, each record unchanged
/// and bound to its path and version, or nothing.
public enum BackupRestore {
    /// The records to load: the backup's, verified, without its audit checkpoints.
    public static func prepare(
        _ archive: BackupArchive, masterKey: MasterKey, expectedMasterKeyCheck: String?
    ) async throws -> (verification: BackupVerification, records: [StorageRecord]) {
        let verification = try await archive.verify(with: masterKey)
        if let expected = expectedMasterKeyCheck?.lowercased(), expected != masterKey.keyCheckValue.description {
            throw BackupError.unexpectedMasterKey(backup: masterKey.keyCheckValue.description, expected: expected)
        }
        let records = try await SealedStorage.editing(archive.records, masterKey: masterKey) { barrier in
            let checkpoints = try await barrier.list(prefix: ServerCore.auditCheckpointKey)
            try await barrier.write(checkpoints.map { .delete(key: $0) })
        }
        return (verification, records)
    }
}
