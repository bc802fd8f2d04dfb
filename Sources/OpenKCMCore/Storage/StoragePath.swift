/// Rules for storage keys, shared by every ``Storage`` implementation so that
/// all of them accept and refuse the same keys.
public enum StoragePath {
    /// Longest key accepted.
    public static let maximumLength = 512

    /// Refuses empty, overlong or non-printable keys and keys with empty
    /// segments. Keys are built from validated identifiers, so this is defence
    /// in depth against a caller that forgot to validate.
    public static func validate(_ key: String) throws(StorageError) {
        let utf8 = key.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else {
            throw .invalidKey("a storage key is 1 to \(maximumLength) bytes")
        }
        guard utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidKey("a storage key is printable ASCII without spaces")
        }
        guard utf8.first != UInt8(ascii: "/"), utf8.last != UInt8(ascii: "/"), !key.contains("//") else {
            throw .invalidKey("a storage key has no empty path segment")
        }
    }

    /// The smallest key greater than every key starting with `prefix`, or nil
    /// when there is none: the exclusive upper bound of a range scan, which
    /// stores use instead of LIKE (no escaping, and the primary key serves it).
    /// Keys are printable ASCII, so the last byte below 0x7F is raised by one.
    package static func upperBound(ofPrefix prefix: String) -> String? {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0x7F {
                bytes[bytes.count - 1] = last + 1
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.removeLast()
        }
        return nil
    }
}
