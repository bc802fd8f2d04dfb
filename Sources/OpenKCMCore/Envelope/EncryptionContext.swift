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

    /// The canonical encoding: u16 count, then per pair u16 length + key, u16 length + value.
    /// It is all a context holds: the pairs are read back from it when asked for.
    package let encoded: [UInt8]

    /// The pairs, sorted by key bytes.
    public var pairs: [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        var offset = 2
        func field() -> String {
            let length = Int(encoded[offset]) << 8 | Int(encoded[offset + 1])
            defer { offset += 2 + length }
            return String(decoding: encoded[offset + 2..<offset + 2 + length], as: UTF8.self)
        }
        for _ in 0..<(Int(encoded[0]) << 8 | Int(encoded[1])) {
            let key = field()
            pairs.append((key, field()))
        }
        return pairs
    }

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

    /// Takes a context already in its canonical encoding (a gateway's binary
    /// batch sends it so), checking everything ``init(_:)`` checks, and that
    /// the keys are in strictly ascending byte order: unsorted or repeated
    /// keys would give one context two encodings.
    public init(canonical bytes: some Collection<UInt8>) throws(EnvelopeError) {
        let bytes = Array(bytes)
        guard bytes.count <= Self.maximumEncodedLength else {
            throw .contextTooLarge(reason: "encoded context is \(bytes.count) bytes, at most \(Self.maximumEncodedLength) allowed")
        }
        let malformed = EnvelopeError.invalidContext(reason: "the context's encoding is malformed")
        guard bytes.count >= 2 else { throw malformed }
        let count = Int(bytes[0]) << 8 | Int(bytes[1])
        guard count <= Self.maximumPairCount else {
            throw .contextTooLarge(reason: "\(count) pairs, at most \(Self.maximumPairCount) allowed")
        }
        var offset = 2
        var previousKey: Range<Int>?
        func field() throws(EnvelopeError) -> Range<Int> {
            guard bytes.count - offset >= 2 else { throw malformed }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard bytes.count - offset - 2 >= length else { throw malformed }
            defer { offset += 2 + length }
            let range = offset + 2..<offset + 2 + length
            guard String(validating: bytes[range], as: UTF8.self) != nil else {
                throw .invalidContext(reason: "a context key or value is not UTF-8")
            }
            return range
        }
        for _ in 0..<count {
            let key = try field()
            guard (1...255).contains(key.count) else { throw .contextTooLarge(reason: "a context key must be 1 to 255 UTF-8 bytes") }
            if let previousKey, !bytes[previousKey].lexicographicallyPrecedes(bytes[key]) {
                throw .invalidContext(reason: "context keys must be sorted by their bytes, each once")
            }
            previousKey = key
            guard try field().count <= Self.maximumValueLength else {
                throw .contextTooLarge(reason: "a context value exceeds \(Self.maximumValueLength) bytes")
            }
        }
        guard offset == bytes.count else { throw malformed }
        self.encoded = bytes
    }

    private init(validatedPairs: [(key: String, value: String)]) {
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
        // Two keys with different bytes can be equal Strings (NFC and NFD "é"): keep the first, never trap.
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
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
