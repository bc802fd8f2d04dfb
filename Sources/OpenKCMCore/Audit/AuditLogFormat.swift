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
        writer.field("node", entry.node)
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

    /// The `sequence` a stored line claims, read without decoding the line:
    /// readers skip to a page's first entry this way. Nil if it has none.
    /// (`"sequence":` cannot occur inside a JSON string, whose quotes are escaped.)
    public static func sequence<Line: Collection<UInt8>>(of line: Line) -> UInt64? {
        let key = Array(#""sequence":"#.utf8)
        let bytes = Array(line)
        guard bytes.count > key.count else { return nil }
        var index = 0
        while index + key.count <= bytes.count {
            if bytes[index] == key[0] && bytes[index..<index + key.count].elementsEqual(key) {
                var value: UInt64 = 0
                var position = index + key.count
                var digits = 0
                while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39, digits < 20 {
                    let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                    guard !overflow else { return nil }
                    let (sum, carry) = shifted.addingReportingOverflow(UInt64(bytes[position] - 0x30))
                    guard !carry else { return nil }
                    value = sum
                    position += 1
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            index += 1
        }
        return nil
    }
}
