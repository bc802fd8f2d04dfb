/// Caller-supplied key/value pairs bound into a wrap as associated data, in the
/// manner of AWS KMS's EncryptionContext: the same pairs must be given to open
/// the blob, and they are never stored in it.
///
/// Pairs are kept sorted by the UTF-8 bytes of their keys, so the encoding is
/// canonical whatever order the caller used.
public struct EncryptionContext: Sendable, Hashable {
    /// At most this many pairs.
    public static let maximumPairCount = 64
    /// A key is 1...255 UTF-8 bytes; a value at most this many.
    public static let maximumValueLength = 1024
    /// The whole encoded context is at most this many bytes.
    public static let maximumEncodedLength = 8192

    /// The pairs, sorted by key bytes.
    public let pairs: [(key: String, value: String)]
    /// The canonical encoding: u16 count, then per pair u16 length + key, u16 length + value.
    package let encoded: [UInt8]

    /// The empty context.
    public static let empty = EncryptionContext(validatedPairs: [])

    /// Validates and sorts `dictionary`.
    public init(_ dictionary: [String: String]) throws(EnvelopeError) {
        guard dictionary.count <= Self.maximumPairCount else {
            throw .contextTooLarge(reason: "\(dictionary.count) pairs, at most \(Self.maximumPairCount) allowed")
        }
        var total = 2
        for (key, value) in dictionary {
            let keyLength = key.utf8.count
            let valueLength = value.utf8.count
            guard (1...255).contains(keyLength) else {
                throw .contextTooLarge(reason: "a context key must be 1 to 255 UTF-8 bytes")
            }
            guard valueLength <= Self.maximumValueLength else {
                throw .contextTooLarge(reason: "the value of '\(key)' exceeds \(Self.maximumValueLength) bytes")
            }
            total += 4 + keyLength + valueLength
        }
        guard total <= Self.maximumEncodedLength else {
            throw .contextTooLarge(reason: "encoded context is \(total) bytes, at most \(Self.maximumEncodedLength) allowed")
        }
        let sorted = dictionary.map { (key: $0.key, value: $0.value) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        self.init(validatedPairs: sorted)
    }

    /// A context the core builds from constants, within the limits by construction.
    package init(trustedPairs: [(key: String, value: String)]) {
        self.init(validatedPairs: trustedPairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
    }

    private init(validatedPairs: [(key: String, value: String)]) {
        self.pairs = validatedPairs
        var bytes: [UInt8] = []
        bytes.appendUInt16(UInt16(validatedPairs.count))
        for pair in validatedPairs {
            bytes.appendUInt16(UInt16(pair.key.utf8.count))
            bytes.append(contentsOf: pair.key.utf8)
            bytes.appendUInt16(UInt16(pair.value.utf8.count))
            bytes.append(contentsOf: pair.value.utf8)
        }
        self.encoded = bytes
    }

    /// The pairs as a dictionary.
    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.encoded == rhs.encoded }
    public func hash(into hasher: inout Hasher) { hasher.combine(encoded) }
}

extension [UInt8] {
    @inline(__always)
    package mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    package mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
