public import OpenKCMCore

extension Operations {
    /// Audit entries from `sequence` on, at most `limit` (auditor, root),
    /// read from the segment that holds `sequence` on, never the whole log.
    public func readAudit(from sequence: UInt64, limit: Int, caller: Caller) async throws -> [AuditEntry] {
        try await perform(.auditRead, caller: caller) { _ in
            await core.auditLog.entries(from: sequence, limit: limit)
        }
    }
}
