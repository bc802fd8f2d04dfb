import Crypto

/// Encrypts a stream of any length in bounded memory (format version 1, kind
/// 02; see docs/record-format.md). The plaintext is cut into chunks of
/// `chunkSize` bytes, each sealed with AES-256-GCM under a stream key derived
/// from the data key with HKDF-SHA256 (a random salt, and the header and
/// context in the info). Chunk i's nonce is seven zero bytes, i (u32), and a
/// final flag, so a reordered, dropped, duplicated or truncated chunk fails.
///
/// Feed plaintext to ``update(_:)`` and write what it returns; end with
/// ``finish()``. The first output carries the header.
public struct StreamEncryptor: Sendable {
    public static let defaultChunkSize = 64 * 1024
    public static let chunkSizes = 1024...(16 << 20)

    let chunkSize: Int
    private let key: SymmetricKey
    private var header: [UInt8]?
    private var pending: [UInt8] = []
    private var index: UInt32 = 0
    private var finished = false

    /// `salt` is fixed only by the test vectors.
    init(dataKey: SymmetricKey, wrappedKey: [UInt8], context: [UInt8], chunkSize: Int, salt: [UInt8]? = nil) throws(OpenKCMClientError) {
        guard Self.chunkSizes.contains(chunkSize) else { throw .malformed("chunk size must be 1 KiB to 16 MiB") }
        let salt = salt ?? SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        var header = EnvelopeRecord.header(kind: EnvelopeRecord.streamKind, wrappedKey: wrappedKey)
        RecordContext.append(UInt32(chunkSize), to: &header)
        header += salt
        self.chunkSize = chunkSize
        self.header = header
        self.key = StreamKey.derive(from: dataKey, header: header, salt: salt, context: context)
        pending.reserveCapacity(chunkSize * 2)
    }

    /// Sealed chunks for the plaintext so far (a chunk is sealed once more data follows it).
    public mutating func update(_ plaintext: some Collection<UInt8>) throws(OpenKCMClientError) -> [UInt8] {
        guard !finished else { throw .malformed("the stream is finished") }
        pending += plaintext
        var out = header.take() ?? []
        var start = 0
        // Keep at least one byte back: only the last chunk is sealed final.
        while pending.count - start > chunkSize {
            out += try seal(pending[start..<(start + chunkSize)], final: false)
            start += chunkSize
        }
        if start > 0 { pending.removeSubrange(0..<start) }
        return out
    }

    /// The last chunk (possibly empty), sealed final.
    public mutating func finish() throws(OpenKCMClientError) -> [UInt8] {
        guard !finished else { throw .malformed("the stream is finished") }
        finished = true
        var out = header.take() ?? []
        out += try seal(pending[...], final: true)
        pending = []
        return out
    }

    private mutating func seal(_ chunk: ArraySlice<UInt8>, final: Bool) throws(OpenKCMClientError) -> [UInt8] {
        guard index < UInt32.max else { throw .malformed("a stream holds at most 2^32 - 1 chunks") }
        defer { index += 1 }
        do {
            let box = try AES.GCM.seal(chunk, using: key, nonce: StreamKey.nonce(index, final: final))
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .malformed("AES-GCM refused the chunk")
        }
    }
}

extension Optional {
    /// The value, leaving nil behind.
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}

/// The stream key and chunk nonces, shared by both directions.
enum StreamKey {
    static let info = Array("OpenKCM stream v1".utf8)

    static func derive(from dataKey: SymmetricKey, header: [UInt8], salt: [UInt8], context: [UInt8]) -> SymmetricKey {
        let binding = Array(SHA256.hash(data: header + context))
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: dataKey, salt: salt, info: info + binding, outputByteCount: 32)
    }

    static func nonce(_ index: UInt32, final: Bool) throws -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 7)
        RecordContext.append(index, to: &bytes)
        bytes.append(final ? 1 : 0)
        return try AES.GCM.Nonce(data: bytes)
    }
}
