import Crypto

/// Decrypts what ``StreamEncryptor`` wrote, in bounded memory. Feed the
/// stream (from its first byte, header included) to ``update(_:)`` and use
/// what it returns; ``finish()`` checks that the stream ended where its
/// writer ended it. Plaintext is only ever returned after its chunk's tag
/// checked out, but a stream cut short is only detected at ``finish()``:
/// treat the output as unconfirmed until then.
public struct StreamDecryptor: Sendable {
    private let dataKey: SymmetricKey
    private let context: [UInt8]
    private var key: SymmetricKey?
    private var chunkSize = 0
    private var pending: [UInt8] = []
    private var index: UInt32 = 0
    private var finished = false

    init(dataKey: SymmetricKey, context: [UInt8]) throws(OpenKCMClientError) {
        self.dataKey = dataKey
        self.context = context
    }

    public mutating func update(_ bytes: some Collection<UInt8>) throws(OpenKCMClientError) -> [UInt8] {
        guard !finished else { throw .malformed("the stream is finished") }
        pending += bytes
        if key == nil, !(try readHeader()) { return [] }
        var out: [UInt8] = []
        var start = 0
        // A chunk is opened as not-final only when more bytes follow it.
        while pending.count - start > chunkSize + 16 {
            out += try open(pending[start..<(start + chunkSize + 16)], final: false)
            start += chunkSize + 16
        }
        if start > 0 { pending.removeSubrange(0..<start) }
        return out
    }

    /// The last chunk's plaintext; fails if the stream was cut short or extended.
    public mutating func finish() throws(OpenKCMClientError) -> [UInt8] {
        guard !finished else { throw .malformed("the stream is finished") }
        finished = true
        if key == nil {
            guard try readHeader() else { throw .malformed("truncated in the header") }
        }
        guard pending.count >= 16 else { throw .authenticationFailed }
        let out = try open(pending[...], final: true)
        pending = []
        return out
    }

    /// Reads the header once it is all in; false while more bytes are needed.
    private mutating func readHeader() throws(OpenKCMClientError) -> Bool {
        guard pending.count >= 6 else { return false }
        let length = Int(pending[4]) << 8 | Int(pending[5])
        guard pending.count >= 6 + length + 20 else { return false }
        let (kind, _, end) = try EnvelopeRecord.readHeader(pending)
        guard kind == EnvelopeRecord.streamKind else { throw .malformed("a record, not a stream") }
        let size = pending[end..<(end + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard StreamEncryptor.chunkSizes.contains(size) else { throw .malformed("chunk size \(size)") }
        let salt = Array(pending[(end + 4)..<(end + 20)])
        let header = Array(pending[0..<(end + 20)])
        key = StreamKey.derive(from: dataKey, header: header, salt: salt, context: context)
        chunkSize = size
        pending.removeSubrange(0..<(end + 20))
        return true
    }

    private mutating func open(_ chunk: ArraySlice<UInt8>, final: Bool) throws(OpenKCMClientError) -> [UInt8] {
        guard let key, index < UInt32.max else { throw .authenticationFailed }
        defer { index += 1 }
        do {
            let box = try AES.GCM.SealedBox(nonce: StreamKey.nonce(index, final: final), ciphertext: chunk.dropLast(16), tag: chunk.suffix(16))
            return Array(try AES.GCM.open(box, using: key))
        } catch {
            throw .authenticationFailed
        }
    }
}
