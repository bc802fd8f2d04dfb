import Foundation
public import OpenKCMCore

extension Operations {
    /// Checks the whole stored log and names the first bad entry (auditor, root).
    public func verifyAudit(caller: Caller) async throws -> AuditVerification {
        try await perform(.auditVerify, caller: caller) { core in
            let lines = AuditLogFormat.lines(try self.core.auditLog.readAll())
            var entries: [AuditEntry] = []
            for (index, line) in lines.enumerated() {
                guard let entry = try? AuditLogFormat.entry(line) else {
                    return .broken(position: index + 1, sequence: 0, reason: .badMAC)
                }
                entries.append(entry)
            }
            // Entries written after the last checkpoint (at most a second's worth, and never
            // a key-state change, which checkpoints before it is answered) are covered by the chain alone.
            await self.core.auditLog.checkpointHead()
            let checkpoint = try await self.core.barrier.get(ServerCore.auditCheckpointKey)
                .map { try JSONDecoder().decode(AuditHead.self, from: $0) }
            return AuditVerifier(masterKey: core.masterKey).verify(entries, checkpoint: checkpoint)
        }
    }
}
