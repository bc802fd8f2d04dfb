import Crypto
import Foundation

/// The SDK's self-describing ciphertext (format version 1; see
/// docs/record-format.md). A record carries its
/// wrapped data key and the data:
///
///     "OR" | 01 | kind 01 | u16 w | wrapped L4 (w bytes) | nonce (12) | ciphertext | tag (16)
///
/// AES-256-GCM under the data key; the additional data is the header (all
/// bytes before the nonce) followed by the encoded context, so a record
/// opened with another context, or with its wrapped key swapped, fails.
struct EnvelopeRecord {
    static let magic: [UInt8] = [0x4F, 0x52]
    static let version: UInt8 = 1
    static let recordKind: UInt8 = 1
    static let streamKind: UInt8 = 2
    /// The longest wrapped key accepted (the core's are 85 bytes).
    static let maximumWrappedKey = 4096

    var wrappedKey: [UInt8]
    var nonce: [UInt8]
    var ciphertext: ArraySlice<UInt8>
    var tag: ArraySlice<UInt8>
    var header: ArraySlice<UInt8>

    static func header(kind: UInt8, wrappedKey: [UInt8]) -> [UInt8] {
        var out = magic + [version, kind]
        RecordContext.append(UInt16(wrappedKey.count), to: &out)
        return out + wrappedKey
    }

    /// Reads the fixed part of a record or stream: its kind, wrapped key, and where the rest starts.
    static func readHeader(_ bytes: some RandomAccessCollection<UInt8>) throws(OpenKCMClientError) -> (kind: UInt8, wrappedKey: [UInt8], end: Int) {
        let bytes = Array(bytes.prefix(6 + maximumWrappedKey))
        guard bytes.count >= 6 else { throw .malformed("shorter than a header") }
        guard Array(bytes[0..<2]) == magic else { throw .malformed("no OpenKCM magic") }
        guard bytes[2] == version else { throw .malformed("format version \(bytes[2]) is not supported") }
        guard bytes[3] == recordKind || bytes[3] == streamKind else { throw .malformed("unknown kind \(bytes[3])") }
        let length = Int(bytes[4]) << 8 | Int(bytes[5])
        guard length > 0, length <= maximumWrappedKey else { throw .malformed("wrapped key length \(length)") }
        guard bytes.count >= 6 + length else { throw .malformed("truncated in the wrapped key") }
        return (bytes[3], Array(bytes[6..<(6 + length)]), 6 + length)
    }

    init(parsing bytes: [UInt8]) throws(OpenKCMClientError) {
        let (kind, wrappedKey, end) = try Self.readHeader(bytes)
        guard kind == Self.recordKind else { throw .malformed("a stream, not a record: use the stream decryptor") }
        guard bytes.count >= end + 12 + 16 else { throw .malformed("truncated") }
        self.wrappedKey = wrappedKey
        self.header = bytes[0..<end]
        self.nonce = Array(bytes[end..<(end + 12)])
        self.ciphertext = bytes[(end + 12)..<(bytes.count - 16)]
        self.tag = bytes[(bytes.count - 16)...]
    }

    /// Seals a record; `nonce` is fixed only by the test vectors.
    static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, wrappedKey: [UInt8], context: [UInt8],
                     nonce: AES.GCM.Nonce = AES.GCM.Nonce()) throws(OpenKCMClientError) -> [UInt8] {
        let header = header(kind: recordKind, wrappedKey: wrappedKey)
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: header + context)
            var out = header
            out.reserveCapacity(header.count + 12 + plaintext.count + 16)
            out += box.nonce
            out += box.ciphertext
            out += box.tag
            return out
        } catch {
            throw .malformed("AES-GCM refused the input")
        }
    }

    func open(key: SymmetricKey, context: [UInt8]) throws(OpenKCMClientError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(header) + context))
        } catch {
            throw .authenticationFailed
        }
    }
}
