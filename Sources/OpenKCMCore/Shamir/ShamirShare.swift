import Crypto
import Foundation

/// One share of a secret split by ``ShamirSplitter``.
///
/// Encoded form (docs/architecture.md, "Shamir shares"):
/// ```
/// 0  1  format (1)     3  4  set id (same for every share of one split)
/// 1  1  threshold M    7  L  y values, one byte per secret byte
/// 2  1  index x        7+L 4 checksum: SHA-256 of bytes 0..<7+L, first 4 bytes
/// ```
/// The checksum catches a mistyped or damaged share and names it; a share that
/// is well formed but wrong is caught by the key-check value after combining.
public struct ShamirShare: Sendable {
    static let format: UInt8 = 1
    static let headerSize = 7
    static let checksumSize = 4

    /// The share's x coordinate, 1...255.
    public let index: UInt8
    /// How many shares rebuild the secret.
    public let threshold: UInt8
    /// Identifies the split this share belongs to.
    public let setID: [UInt8]
    /// The y values: secret, so kept in zeroing storage.
    let values: SymmetricKey

    init(index: UInt8, threshold: UInt8, setID: [UInt8], values: SymmetricKey) {
        self.index = index
        self.threshold = threshold
        self.setID = setID
        self.values = values
    }

    /// Parses an encoded share.
    public init<Bytes: Collection<UInt8>>(encoded: Bytes) throws(ShamirError) {
        var bytes = Array(encoded)
        defer { bytes.zeroize() }
        let valueCount = bytes.count - Self.headerSize - Self.checksumSize
        guard (ShamirSplitter.secretLengths).contains(valueCount) else {
            throw .corruptedShare(reason: "a share is \(Self.headerSize + Self.checksumSize + 32) bytes for a 256-bit key, got \(bytes.count)")
        }
        let body = bytes[..<(bytes.count - Self.checksumSize)]
        let checksum = Array(SHA256.hash(data: body).prefix(Self.checksumSize))
        guard ConstantTime.equals(checksum, bytes[(bytes.count - Self.checksumSize)...]) else {
            throw .corruptedShare(reason: "checksum mismatch (mistyped or damaged share)")
        }
        guard bytes[0] == Self.format else {
            throw .corruptedShare(reason: "unknown share format \(bytes[0])")
        }
        guard bytes[1] >= 2 else { throw .corruptedShare(reason: "threshold \(bytes[1]) is below 2") }
        guard bytes[2] != 0 else { throw .shareIndexOutOfRange(index: 0) }
        self.threshold = bytes[1]
        self.index = bytes[2]
        self.setID = Array(bytes[3..<7])
        self.values = SymmetricKey(data: bytes[Self.headerSize..<(Self.headerSize + valueCount)])
    }

    /// Hands the encoded share to `body` and zeroes it afterwards. Shares are
    /// secret: show one only where the contract is to hand it to its custodian.
    public func withEncodedBytes<Result>(_ body: ([UInt8]) throws -> Result) rethrows -> Result {
        var bytes: [UInt8] = []
        // One allocation: growing would free a copy of the y values unzeroed.
        bytes.reserveCapacity(Self.headerSize + values.bitCount / 8 + Self.checksumSize)
        bytes += [Self.format, threshold, index]
        bytes.append(contentsOf: setID)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: SHA256.hash(data: bytes).prefix(Self.checksumSize))
        defer { bytes.zeroize() }
        return try body(bytes)
    }
}
