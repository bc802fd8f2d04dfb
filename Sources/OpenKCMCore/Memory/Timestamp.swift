public import Foundation

/// Times as stored and shown everywhere: ISO 8601 in UTC with whole
/// milliseconds, `2026-01-02T03:04:05.678Z`.
public enum Timestamp {
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

    public static func parse(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), let dot = text.lastIndex(of: ".") else { return nil }
        let fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
        guard fraction.count == 3, let millis = Int64(fraction),
            let seconds = try? Date(String(text[..<dot]) + "Z", strategy: secondsStyle)
        else { return nil }
        let whole = Int64(seconds.timeIntervalSince1970.rounded())
        return Date(timeIntervalSince1970: Double(whole * 1000 + millis) / 1000)
    }
}
