import Foundation
import OpenKCMCore

extension Operations {
    /// Checks every segment of the stored log, one in memory at a time, and
    /// that it reaches the sealed checkpoint unchanged; names the first bad
    /// entry (auditor, root).
    public func verifyAudit(caller: Caller) async throws -> AuditLogVerification {
        try await perform(.auditVerify, caller: caller) { core in
            // The checkpoint first, then the file: everything the checkpoint names is already written.
            await self.core.auditLog.checkpointHead()
            let checkpoint = try await self.core.barrier.get(self.core.auditCheckpointPath)
                .map { try JSONDecoder().decode(AuditHead.self, from: $0) }
            return await self.core.auditLog.verify(masterKey: core.masterKey, checkpoint: checkpoint)
        }
    }
}
