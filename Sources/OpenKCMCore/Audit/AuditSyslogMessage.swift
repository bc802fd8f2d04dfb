/// One audit entry as a syslog message (RFC 5424), framed for a TLS stream by
/// octet counting (RFC 5425 section 4.3: `MSG-LEN SP SYSLOG-MSG`).
///
/// ```
/// <110>1 2026-12-05T03:29:11.123Z kcm-1 openkcm node-a tenant.create [openkcm@32473 seq="12" corr="..." ...] {"correlationID":...}
/// ```
///
/// Facility 13 (log audit). Severity follows the outcome: informational for
/// a success, notice for an announced change, warning for a refusal, error
/// for a failure. MSGID is the operation. The structured data names the
/// fields a SIEM filters on, with `seq` first so a receiver can drop the
/// duplicates an at-least-once stream may send; the message is the entry
/// exactly as the local chain stores it (MAC and previous hash included,
/// after the UTF-8 BOM RFC 5424 asks for), so
/// whoever holds the audit key can verify what the SIEM received.
public enum AuditSyslogMessage {
    /// The SD-ID's enterprise number: 32473, the one RFC 5612 sets aside for documentation, until OpenKCM has its own.
    public static let structuredDataID = "openkcm@32473"
    static let facility = 13

    /// The framed message: length, space, message.
    /// - Parameters:
    ///   - line: the entry's stored line (``AuditLogFormat/line(_:)``), without its newline.
    ///   - hostname: this node's name, printable ASCII.
    public static func framed(_ entry: AuditEntry, line: some Collection<UInt8>, hostname: String, appName: String = "openkcm") -> [UInt8] {
        let message = self.message(entry, line: line, hostname: hostname, appName: appName)
        return Array("\(message.count) ".utf8) + message
    }

    /// The RFC 5424 message without framing.
    public static func message(_ entry: AuditEntry, line: some Collection<UInt8>, hostname: String, appName: String = "openkcm") -> [UInt8] {
        let priority = facility * 8 + severity(entry.outcome)
        var header = "<\(priority)>1 \(Timestamp.format(entry.time)) \(headerField(hostname, limit: 255)) \(headerField(appName, limit: 48)) "
        header += "\(headerField(entry.node ?? "-", limit: 128)) \(headerField(entry.operation, limit: 32)) "
        var data = "[\(structuredDataID) seq=\"\(entry.sequence)\""
        func parameter(_ name: String, _ value: String?) {
            guard let value else { return }
            data += " \(name)=\"\(escaped(value))\""
        }
        parameter("corr", entry.correlationID)
        parameter("identity", entry.identity)
        parameter("outcome", entry.outcome.rawValue)
        parameter("tenant", entry.tenant)
        parameter("service", entry.service)
        parameter("key", entry.key)
        parameter("error", entry.errorCode)
        parameter("count", entry.count.map(String.init))
        data += "]"
        // MSG is UTF-8, so it starts with the BOM (RFC 5424 section 6.4).
        return Array((header + data + " ").utf8) + [0xEF, 0xBB, 0xBF] + Array(line)
    }

    static func severity(_ outcome: AuditOutcome) -> Int {
        switch outcome {
        case .success: 6
        case .attempted: 5
        case .refused: 4
        case .failed: 3
        }
    }

    /// A header field: printable US-ASCII without spaces (RFC 5424 section 6), at most `limit` characters; "-" when nothing is left.
    static func headerField(_ text: String, limit: Int) -> String {
        let kept = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(limit)))
        return kept.isEmpty ? "-" : kept
    }

    /// A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 section 6.3.3).
    static func escaped(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
