/// A TTLV tag: three bytes on the wire. KMIP's own tags are `0x42xxxx`;
/// `0x54xxxx` tags are extensions.
public struct TTLVTag: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init?(rawValue: UInt32) {
        guard rawValue <= 0xFF_FFFF else { return nil }
        self.rawValue = rawValue
    }

    /// For the constants below, which are all three-byte values.
    init(_ value: UInt32) {
        self.rawValue = value & 0xFF_FFFF
    }

    public var description: String { "0x" + String(rawValue, radix: 16, uppercase: true) }

    /// Whether this is an extension tag (`0x54xxxx`), which a server passes over rather than refuses.
    public var isExtension: Bool { rawValue >> 16 == 0x54 }
}
