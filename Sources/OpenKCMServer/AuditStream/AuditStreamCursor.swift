import Foundation

/// The last sequence a sink acknowledged, in a file beside the audit log
/// (`audit-stream-<sink>.cursor`), so a restarted server resumes its stream
/// where the receiver left off instead of sending the whole log again.
/// Written atomically (a new file renamed over the old), mode 0600.
struct AuditStreamCursor: Sendable {
    let path: String

    init(auditLogPath: String, sink: String) {
        let directory = (auditLogPath as NSString).deletingLastPathComponent
        path = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("audit-stream-\(sink).cursor")
    }

    /// The acknowledged sequence; 0 when the stream never delivered anything (or the file is unreadable).
    func load() -> UInt64 {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func store(_ sequence: UInt64) throws {
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(sequence)\n".utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}
