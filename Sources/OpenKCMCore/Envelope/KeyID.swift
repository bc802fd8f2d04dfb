import Foundation

/// The identifier of a wrapping key: 16 random bytes, shown as a lowercase UUID.
///
/// Ids are random rather than derived from names so that a blob never reveals
/// anything about its tenant or service, and two keys never collide.
public struct KeyID: Sendable, Hashable, Codable, CustomStringConvertible {
    // Two words rather than an array: ids are parsed and compared on every
    // unwrap, and this keeps that free of allocation.
    private let high: UInt64
    private let low: UInt64

    /// The 16 raw bytes, as written in the envelope.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// Makes a fresh random id.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.high = generator.next()
        self.low = generator.next()
    }

    /// Wraps 16 raw bytes; returns nil for any other length.
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    /// The first 16 bytes of `bytes` (a digest or MAC), zero-padded if shorter.
    package init<Bytes: Sequence<UInt8>>(prefixOf bytes: Bytes) {
        var padded = Array(bytes.prefix(16))
        padded += [UInt8](repeating: 0, count: 16 - padded.count)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for byte in padded[0..<8] { high = high << 8 | UInt64(byte) }
        for byte in padded[8..<16] { low = low << 8 | UInt64(byte) }
        self.high = high
        self.low = low
    }

    /// Parses the UUID text form.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        let u = uuid.uuid
        self.init(bytes: [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15])
    }

    /// Appends the 16 raw bytes.
    package func write(into buffer: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
    }

    public var description: String {
        let b = bytes
        let uuid = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        return uuid.uuidString.lowercased()
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = KeyID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a key id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
