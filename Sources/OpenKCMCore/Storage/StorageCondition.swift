public import Foundation

/// What a conditional ``Storage/write(_:if:)`` expects of one key at the
/// moment it applies: how several writers on one store (replicas on one
/// database) change a record only from the state they read, so that none
/// overwrites another's change unseen.
///
/// A record's version is the one ``SealedStorage`` gives every record: the
/// first 8 bytes of its stored value, big-endian, readable without the
/// MasterKey and bound in the record's associated data. Storage compares bytes
/// only; it never needs a key to check a condition.
public enum StorageCondition: Sendable, Equatable {
    /// The key holds no value.
    case absent(key: String)
    /// The key holds a value that starts with `version` (8 bytes, big-endian).
    case version(key: String, UInt64)

    /// The key the condition is about.
    public var key: String {
        switch self {
        case .absent(let key), .version(let key, _): key
        }
    }

    /// Whether `stored`, the key's value now (nil when absent), meets the condition.
    public func holds(for stored: Data?) -> Bool {
        switch self {
        case .absent: stored == nil
        case .version(_, let version): stored.map { Self.version(of: $0) == version } ?? false
        }
    }

    /// The version a stored value starts with, or nil for a value shorter than 8 bytes.
    public static func version(of stored: Data) -> UInt64? {
        guard stored.count >= 8 else { return nil }
        return stored.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
