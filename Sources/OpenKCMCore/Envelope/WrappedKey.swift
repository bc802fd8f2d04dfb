/// A parsed envelope: a self-describing wrapped blob (docs/envelope-format.md).
///
/// ```
/// 0   2  magic "OK"          3   1  algorithm      21  4  key version (u32 BE)
/// 2   1  format version (1)  4   1  layer          25 12  nonce
///                            5  16  key id         37  n  ciphertext, then 16-byte tag
/// ```
public struct WrappedKey: Sendable, Hashable {
    public static let nonceSize = 12
    public static let tagSize = 16
    /// Bytes added to a plaintext: header, nonce and tag.
    public static let overhead = EnvelopeHeader.size + nonceSize + tagSize
    /// The default cap on a blob's size when parsing: a key blob is 85 bytes.
    public static let defaultMaximumSize = 64 * 1024

    public let header: EnvelopeHeader
    public let nonce: [UInt8]
    /// Ciphertext followed by the 16-byte tag.
    public let sealed: [UInt8]

    /// The serialized blob.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(EnvelopeHeader.size + nonce.count + sealed.count)
        header.write(into: &out)
        out.append(contentsOf: nonce)
        out.append(contentsOf: sealed)
        return out
    }

    package init(header: EnvelopeHeader, nonce: [UInt8], sealed: [UInt8]) {
        self.header = header
        self.nonce = nonce
        self.sealed = sealed
    }

    /// Parses a blob, refusing anything malformed with a typed error.
    /// - Parameter maximumSize: blobs longer than this are refused before any other work.
    public init<Bytes: Collection<UInt8>>(parsing blob: Bytes, maximumSize: Int = Self.defaultMaximumSize) throws(EnvelopeError) {
        let bytes = Array(blob.prefix(maximumSize + 1))
        guard bytes.count <= maximumSize else {
            throw .tooLarge(length: blob.count, maximum: maximumSize)
        }
        guard bytes.count >= 2 else { throw .truncated(length: bytes.count, minimum: Self.overhead) }
        guard bytes[0] == EnvelopeHeader.magic.0, bytes[1] == EnvelopeHeader.magic.1 else { throw .badMagic }
        guard bytes.count >= 3 else { throw .truncated(length: bytes.count, minimum: Self.overhead) }
        guard bytes[2] == EnvelopeHeader.formatVersion else { throw .unsupportedVersion(bytes[2]) }
        guard bytes.count >= Self.overhead else { throw .truncated(length: bytes.count, minimum: Self.overhead) }
        guard let algorithm = EnvelopeAlgorithm(rawValue: bytes[3]) else { throw .unsupportedAlgorithm(bytes[3]) }
        guard let layer = EnvelopeLayer(rawValue: bytes[4]) else { throw .unknownLayer(bytes[4]) }
        // safe: the slice is exactly 16 bytes, checked by the length guard above.
        let keyID = KeyID(bytes: bytes[5..<21])!
        let version = UInt32(bytes[21]) << 24 | UInt32(bytes[22]) << 16 | UInt32(bytes[23]) << 8 | UInt32(bytes[24])
        guard version != 0 else { throw .invalidKeyVersion }
        self.header = EnvelopeHeader(algorithm: algorithm, layer: layer, keyID: keyID, keyVersion: version)
        self.nonce = Array(bytes[25..<37])
        self.sealed = Array(bytes[37...])
    }
}
