import Foundation
public import OpenKCMCore

extension Operations {
    /// Audit entries from `sequence` on, at most `limit` (auditor, root).
    public func readAudit(from sequence: UInt64, limit: Int, caller: Caller) async throws -> [AuditEntry] {
        try await perform(.auditRead, caller: caller) { _ in
            let lines = AuditLogFormat.lines(try core.auditLog.readAll())
            var entries: [AuditEntry] = []
            for line in lines {
                guard let entry = try? AuditLogFormat.entry(line), entry.sequence >= sequence else { continue }
                entries.append(entry)
                if entries.count >= limit { break }
            }
            return entries
        }
    }
}
