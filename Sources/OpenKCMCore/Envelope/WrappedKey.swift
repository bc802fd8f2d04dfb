public import Foundation

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
    /// The serialized blob, exactly as parsed.
    public let bytes: [UInt8]

    /// The header's 25 bytes, as written.
    public var headerBytes: ArraySlice<UInt8> { bytes[..<EnvelopeHeader.size] }
    /// The 12-byte nonce.
    public var nonce: ArraySlice<UInt8> { bytes[EnvelopeHeader.size..<(EnvelopeHeader.size + Self.nonceSize)] }
    /// Nonce, ciphertext and tag: GCM's "combined" form.
    public var combined: ArraySlice<UInt8> { bytes[EnvelopeHeader.size...] }

    /// Parses a blob, refusing anything malformed with a typed error.
    /// - Parameter maximumSize: blobs longer than this are refused before any other work.
    public init(parsing blob: Data, maximumSize: Int = Self.defaultMaximumSize) throws(EnvelopeError) {
        guard blob.count <= maximumSize else { throw .tooLarge(length: blob.count, maximum: maximumSize) }
        try self.init(validating: [UInt8](blob))
    }

    /// Parses a blob, refusing anything malformed with a typed error.
    /// - Parameter maximumSize: blobs longer than this are refused before any other work.
    public init(parsing blob: [UInt8], maximumSize: Int = Self.defaultMaximumSize) throws(EnvelopeError) {
        guard blob.count <= maximumSize else { throw .tooLarge(length: blob.count, maximum: maximumSize) }
        try self.init(validating: blob)
    }

    private init(validating bytes: [UInt8]) throws(EnvelopeError) {
        guard bytes.count >= 2 else { throw .truncated(length: bytes.count, minimum: Self.overhead) }
        guard bytes[0] == EnvelopeHeader.magic.0, bytes[1] == EnvelopeHeader.magic.1 else { throw .badMagic }
        guard bytes.count >= 3 else { throw .truncated(length: bytes.count, minimum: Self.overhead) }
        guard bytes[2] == EnvelopeHeader.formatVersion else { throw .unsupportedVersion(bytes[2]) }
        guard bytes.count >= Self.overhead else { throw .truncated(length: bytes.count, minimum: Self.overhead) }
        guard let algorithm = EnvelopeAlgorithm(rawValue: bytes[3]) else { throw .unsupportedAlgorithm(bytes[3]) }
        guard let layer = EnvelopeLayer(rawValue: bytes[4]) else { throw .unknownLayer(bytes[4]) }
        let keyID = KeyID(prefixOf: bytes[5..<21])
        let version = UInt32(bytes[21]) << 24 | UInt32(bytes[22]) << 16 | UInt32(bytes[23]) << 8 | UInt32(bytes[24])
        guard version != 0 else { throw .invalidKeyVersion }
        self.header = EnvelopeHeader(algorithm: algorithm, layer: layer, keyID: keyID, keyVersion: version)
        self.bytes = bytes
    }
}
