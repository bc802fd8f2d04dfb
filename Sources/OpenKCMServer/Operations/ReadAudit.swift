public import OpenKCMCore

extension Operations {
    /// Audit entries from `sequence` on, at most `limit` (auditor, root),
    /// read from the segment that holds `sequence` on, never the whole log.
    public func readAudit(from sequence: UInt64, limit: Int, caller: Caller) async throws -> [AuditEntry] {
        try await perform(.auditRead, caller: caller) { _ in
            await core.auditLog.entries(from: sequence, limit: limit)
        }
    }

    /// The newest `count` entries of this node's log (auditor, root).
    public func readAuditTail(_ count: Int, caller: Caller) async throws -> [AuditEntry] {
        try await perform(.auditRead, caller: caller) { _ in
            let head = core.auditLog.writtenSequence
            let from = head >= UInt64(count) ? head - UInt64(count) + 1 : 1
            return await core.auditLog.entries(from: from, limit: count)
        }
    }
}
