public import Foundation

/// The stored form of the audit log: one JSON object per line, times in
/// ISO 8601 with milliseconds (the precision the MAC covers).
public enum AuditLogFormat {
    /// One entry as a line, newline included.
    public static func line(_ entry: AuditEntry) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.format(date))
        }
        return Array(try encoder.encode(entry)) + [0x0A]
    }

    /// Parses one line (without its newline).
    public static func entry<Line: Collection<UInt8>>(_ line: Line) throws -> AuditEntry {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = Self.parse(try container.decode(String.self)) else {
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

    private static let secondsStyle = Date.ISO8601FormatStyle()

    /// `2026-01-02T03:04:05.678Z`, from whole milliseconds: formatting the
    /// fraction from the Double would truncate .060 to .059 and break the MAC.
    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = millis - seconds * 1000
        let text = Date(timeIntervalSince1970: Double(seconds)).formatted(secondsStyle)
        let digits = String(fraction)
        return String(text.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    static func parse(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), let dot = text.lastIndex(of: ".") else { return nil }
        let fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
        guard fraction.count == 3, let millis = Int64(fraction),
            let seconds = try? Date(String(text[..<dot]) + "Z", strategy: secondsStyle)
        else { return nil }
        let whole = Int64(seconds.timeIntervalSince1970.rounded())
        return Date(timeIntervalSince1970: Double(whole * 1000 + millis) / 1000)
    }
}
