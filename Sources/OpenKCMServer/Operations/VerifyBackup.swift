public import Foundation
public import OpenKCMCore

extension Operations {
    /// Checks a backup file under this server's MasterKey (root): the format,
    /// the records against the manifest's digest, the manifest's tag, and
    /// every record opened against the backup's own index. A refusal names
    /// what is wrong and is audited like any other.
    public func verifyBackup(_ file: Data, caller: Caller) async throws -> BackupVerification {
        try await perform(.backupVerify, caller: caller) { unsealed in
            try await Self.uploadChecks.withLock(0) { try await BackupArchive(decoding: file).verify(with: unsealed.masterKey) }
        }
    }
}
