/// Why a chain is broken.
public enum AuditBreak: Sendable, Hashable, CustomStringConvertible {
    /// The entry's contents do not match its MAC: edited, or forged without the key.
    case badMAC
    /// Entries are missing or out of order before this one.
    case sequenceGap(expected: UInt64)
    /// The entry does not link to the one before it.
    case chainMismatch
    /// Entries after this point were removed.
    case truncated(expectedLast: UInt64)
    /// The entry at the stored checkpoint is not the one that was checkpointed.
    case headMismatch
    /// The line is not an audit entry at all: edited or corrupted on disk.
    case unreadable
    /// The entry was written by another node than the log's first entry:
    /// each node's chain is its own, so logs were spliced together.
    case otherNode(expected: String?, found: String?)

    public var description: String {
        switch self {
        case .badMAC: "entry does not match its MAC (edited or forged)"
        case .sequenceGap(let expected): "expected sequence \(expected) here (entries deleted, inserted or reordered)"
        case .chainMismatch: "entry does not link to the previous entry (deleted, inserted or reordered)"
        case .truncated(let last): "log ends early; the last entry should be \(last) (entries removed from the end)"
        case .headMismatch: "entry differs from the checkpoint kept in sealed storage (the log was cut and regrown, or replaced)"
        case .unreadable: "line is not an audit entry (edited or corrupted)"
        case .otherNode(let expected, let found):
            "entry was written by \(found ?? "a node without an id"), the log by \(expected ?? "a node without an id") (logs spliced together)"
        }
    }
}
