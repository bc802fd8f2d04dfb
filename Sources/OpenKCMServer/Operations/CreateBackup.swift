import Foundation
public import OpenKCMCore

extension Operations {
    /// A backup of the whole store as one moment saw it (root). Made, then
    /// verified under the MasterKey (every record opened against the backup's
    /// own index) before it is handed out: a backup that would not restore is
    /// never given. The checkpoint of this node's audit log is stored first,
    /// so the backup knows how far the log reached.
    public func createBackup(caller: Caller) async throws -> BackupArchive {
        try await perform(.backupCreate, caller: caller, sync: true) { unsealed in
            await core.auditLog.checkpointHead()
            let records = try await core.barrier.backend.snapshot()
            do {
                let archive = try BackupArchive.make(records: records, masterKey: unsealed.masterKey, node: core.nodeID)
                _ = try await archive.verify(with: unsealed.masterKey)
                return archive
            } catch let error as BackupError {
                // Said as the server's fault (500), not as a bad upload's (422).
                throw BackupError.storeUnsound(error.description)
            }
        }
    }
}
