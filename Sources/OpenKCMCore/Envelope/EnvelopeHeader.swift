/// The fixed 25-byte header of every envelope: magic, format version,
/// algorithm, layer, wrapping key id and wrapping key version.
public struct EnvelopeHeader: Sendable, Hashable {
    /// "OK": the first two bytes of every OpenKCM envelope.
    public static let magic: (UInt8, UInt8) = (0x4F, 0x4B)
    /// The only format version this build writes and reads.
    public static let formatVersion: UInt8 = 1
    /// Header length in bytes.
    public static let size = 25

    public var algorithm: EnvelopeAlgorithm
    public var layer: EnvelopeLayer
    public var keyID: KeyID
    public var keyVersion: UInt32

    public init(algorithm: EnvelopeAlgorithm = .aes256GCM, layer: EnvelopeLayer, keyID: KeyID, keyVersion: UInt32) {
        self.algorithm = algorithm
        self.layer = layer
        self.keyID = keyID
        self.keyVersion = keyVersion
    }

    package func write(into bytes: inout [UInt8]) {
        bytes.append(Self.magic.0)
        bytes.append(Self.magic.1)
        bytes.append(Self.formatVersion)
        bytes.append(algorithm.rawValue)
        bytes.append(layer.rawValue)
        keyID.write(into: &bytes)
        bytes.appendUInt32(keyVersion)
    }
}

/// The AEAD used by an envelope.
public enum EnvelopeAlgorithm: UInt8, Sendable, Hashable {
    /// AES-256-GCM, 96-bit nonce, 128-bit tag.
    case aes256GCM = 0x01
}
