import Foundation
public import OpenKCMCore

extension Operations {
    /// Checks the whole stored log and names the first bad entry (auditor, root).
    public func verifyAudit(caller: Caller) async throws -> AuditVerification {
        try await perform(.auditVerify, caller: caller) { core in
            // The checkpoint first, then the file: everything the checkpoint names is already written.
            await self.core.auditLog.checkpointHead()
            let checkpoint = try await self.core.barrier.get(ServerCore.auditCheckpointKey)
                .map { try JSONDecoder().decode(AuditHead.self, from: $0) }
            let lines = AuditLogFormat.lines(try self.core.auditLog.readAll())
            var entries: [AuditEntry] = []
            for (index, line) in lines.enumerated() {
                guard let entry = try? AuditLogFormat.entry(line) else {
                    return .broken(position: index + 1, sequence: 0, reason: .badMAC)
                }
                entries.append(entry)
            }
            return AuditVerifier(masterKey: core.masterKey).verify(entries, checkpoint: checkpoint)
        }
    }
}
