public import Crypto

/// A 16-byte value that tells whether a key is the one it was made from,
/// without revealing the key: the first 16 bytes of
/// HMAC-SHA256(key, "OpenKCM key check value v1").
public struct KeyCheckValue: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(for key: SymmetricKey) {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("OpenKCM key check value v1".utf8), using: key)
        self.bytes = Array(Array(mac).prefix(16))
    }

    /// Restores a stored value; nil unless 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Whether `key` produces this value, compared in constant time.
    public func matches(_ key: SymmetricKey) -> Bool {
        ConstantTime.equals(KeyCheckValue(for: key).bytes, bytes)
    }

    public var description: String { bytes.hexString }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = [UInt8](hex: text), let value = KeyCheckValue(bytes: bytes) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a key-check value"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes.hexString)
    }
}
