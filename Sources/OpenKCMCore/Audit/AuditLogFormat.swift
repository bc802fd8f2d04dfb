import Foundation

/// The stored form of the audit log: one JSON object per line, times in
/// ISO 8601 with milliseconds (the precision the MAC covers).
public enum AuditLogFormat {
    /// One entry as a line, newline included. Written by hand, in a fixed key
    /// order: this runs for every request.
    public static func line(_ entry: AuditEntry) throws -> [UInt8] {
        var writer = JSONWriter()
        writer.field("correlationID", entry.correlationID)
        writer.field("count", entry.count)
        writer.field("errorCode", entry.errorCode)
        writer.field("identity", entry.identity)
        writer.field("key", entry.key)
        writer.field("mac", entry.mac)
        writer.field("operation", entry.operation)
        writer.field("outcome", entry.outcome.rawValue)
        writer.field("previousHash", entry.previousHash)
        writer.field("sequence", entry.sequence)
        writer.field("service", entry.service)
        writer.field("tenant", entry.tenant)
        writer.field("time", Timestamp.format(entry.time))
        return writer.finished() + [0x0A]
    }

    /// Parses one line (without its newline).
    public static func entry<Line: Collection<UInt8>>(_ line: Line) throws -> AuditEntry {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = Timestamp.parse(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a time like 2026-01-02T03:04:05.678Z")
            }
            return date
        }
        return try decoder.decode(AuditEntry.self, from: Data(line))
    }

    /// Splits a log into its complete lines; a trailing partial line (a write
    /// cut short by a crash, never acknowledged) is left out.
    public static func lines(_ log: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in log.indices where log[index] == 0x0A {
            lines.append(log[start..<index])
            start = index + 1
        }
        return lines
    }
}
