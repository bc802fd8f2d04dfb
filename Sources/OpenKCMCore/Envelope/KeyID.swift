import Foundation

/// The identifier of a wrapping key: 16 random bytes, shown as a lowercase UUID.
///
/// Ids are random rather than derived from names so that a blob never reveals
/// anything about its tenant or service, and two keys never collide.
public struct KeyID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 16 raw bytes, as written in the envelope.
    public let bytes: [UInt8]

    /// Makes a fresh random id.
    public init() {
        let uuid = UUID().uuid
        self.bytes = [
            uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5, uuid.6, uuid.7,
            uuid.8, uuid.9, uuid.10, uuid.11, uuid.12, uuid.13, uuid.14, uuid.15,
        ]
    }

    /// Wraps 16 raw bytes; returns nil for any other length.
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses the UUID text form.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        let u = uuid.uuid
        self.bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
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
