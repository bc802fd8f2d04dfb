import Foundation

/// The last entry a sink acknowledged, in a file beside the audit log
/// (`audit.log.stream-<sink>`: not a segment name, which ends in 20 digits),
/// so a restarted server resumes its stream where the receiver left off
/// instead of sending the whole log again. It names the entry by sequence
/// and MAC, so a log replaced or started again (its sequences reused) is
/// noticed instead of skipped up to the old sequence. Written atomically (a
/// new file renamed over the old), mode 0600.
struct AuditStreamCursor: Sendable {
    let path: String

    init(auditLogPath: String, sink: String) {
        path = auditLogPath + ".stream-" + sink
    }

    /// The acknowledged entry's sequence and MAC; nil when the stream never delivered anything (or the file is unreadable).
    func load() -> (sequence: UInt64, mac: String)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let sequence = UInt64(fields[0]) else { return nil }
        return (sequence, String(fields[1]))
    }

    func store(_ sequence: UInt64, mac: String) throws {
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(sequence) \(mac)\n".utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}
