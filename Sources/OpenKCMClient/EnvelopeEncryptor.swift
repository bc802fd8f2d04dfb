import Crypto
public import Foundation
import Synchronization

/// Envelope encryption for applications: `encrypt` seals data under a data
/// key (L4) made here and wrapped by OpenKCM, and returns one record that
/// carries both; `decrypt` asks OpenKCM to unwrap the key and opens the data.
/// The context (like AWS KMS's encryption context) binds the record: it
/// must be the same to decrypt, and the L4 is wrapped bound to it too.
///
/// ```swift
/// let source = RESTDataKeySource(baseURL: "http://127.0.0.1:8200", tenant: "acme", service: "payments", token: token)
/// let encryptor = EnvelopeEncryptor(source: source)
/// let record = try await encryptor.encrypt(Array("card 4242".utf8), context: ["customer": "42"])
/// let plaintext = try await encryptor.decrypt(record, context: ["customer": "42"])
/// ```
public final class EnvelopeEncryptor: Sendable {
    public let source: any DataKeySource
    public let reuse: DataKeyReuse

    private struct CurrentKey {
        var key: SymmetricKey
        var wrapped: [UInt8]
        var made: ContinuousClock.Instant
        var messages = 0
        var bytes = 0
    }

    /// The data key in use per encoded context.
    private let current = Mutex<[[UInt8]: CurrentKey]>([:])

    public init(source: any DataKeySource, reuse: DataKeyReuse = DataKeyReuse()) {
        self.source = source
        self.reuse = reuse
    }

    /// Seals `plaintext`; the record holds the wrapped data key, a nonce, the ciphertext and the tag.
    public func encrypt(_ plaintext: some DataProtocol & Sendable, context: [String: String] = [:]) async throws(OpenKCMClientError) -> [UInt8] {
        let encoded = try RecordContext.encode(context)
        let (key, wrapped) = try await dataKey(for: encoded, context: context, bytes: plaintext.count)
        return try EnvelopeRecord.seal(plaintext, key: key, wrappedKey: wrapped, context: encoded)
    }

    /// Opens a record made by ``encrypt(_:context:)`` with the same context.
    public func decrypt(_ record: [UInt8], context: [String: String] = [:]) async throws(OpenKCMClientError) -> [UInt8] {
        let encoded = try RecordContext.encode(context)
        let parsed = try EnvelopeRecord(parsing: record)
        let key = try await source.unwrap(parsed.wrappedKey, context: context)
        return try parsed.open(key: key, context: encoded)
    }

    /// Crypto-shreds a record's or stream's data key at OpenKCM (pass the
    /// record, or at least a stream's header): the core refuses that wrapped
    /// key from then on (other core replicas within 5 s), and gateways drop
    /// their cached keys. A copy rewrapped under a newer L3 version before the
    /// destruction is another blob: destroy it too. Records sealed under the
    /// same reused data key go with it; use ``DataKeyReuse/never`` for records
    /// that must be shredded one by one.
    public func destroy(_ ciphertext: [UInt8]) async throws(OpenKCMClientError) {
        let (_, wrapped, _) = try EnvelopeRecord.readHeader(ciphertext)
        try await source.destroy(wrapped)
        // A key still in use for new records must not seal more under a shredded key.
        current.withLock { keys in keys = keys.filter { $0.value.wrapped != wrapped } }
    }

    /// A stream encryptor for data too large to hold: its own data key, wrapped now.
    public func streamEncryptor(context: [String: String] = [:], chunkSize: Int = StreamEncryptor.defaultChunkSize) async throws(OpenKCMClientError) -> StreamEncryptor {
        let encoded = try RecordContext.encode(context)
        let key = SymmetricKey(size: .bits256)
        let wrapped = try await Self.checked(source.wrap(key, context: context))
        return try StreamEncryptor(dataKey: key, wrappedKey: wrapped, context: encoded, chunkSize: chunkSize)
    }

    /// A stream decryptor: reads the stream's header from `prefix` (its first bytes, at least the header), unwraps its key.
    public func streamDecryptor(header prefix: [UInt8], context: [String: String] = [:]) async throws(OpenKCMClientError) -> StreamDecryptor {
        let encoded = try RecordContext.encode(context)
        let (kind, wrapped, _) = try EnvelopeRecord.readHeader(prefix)
        guard kind == EnvelopeRecord.streamKind else { throw .malformed("a record, not a stream: use decrypt") }
        let key = try await source.unwrap(wrapped, context: context)
        return try StreamDecryptor(dataKey: key, context: encoded)
    }

    /// A wrapped key this SDK can write into a record and read back.
    private static func checked(_ wrapped: [UInt8]) throws(OpenKCMClientError) -> [UInt8] {
        guard (1...EnvelopeRecord.maximumWrappedKey).contains(wrapped.count) else {
            throw .invalidResponse("a wrapped key of \(wrapped.count) bytes (at most \(EnvelopeRecord.maximumWrappedKey))")
        }
        return wrapped
    }

    /// The data key to seal `bytes` more bytes with: the current one while within the reuse limits, else a new one.
    private func dataKey(for encoded: [UInt8], context: [String: String], bytes: Int) async throws(OpenKCMClientError) -> (SymmetricKey, [UInt8]) {
        let reuse = self.reuse
        let taken = current.withLock { keys -> (SymmetricKey, [UInt8])? in
            guard var entry = keys[encoded] else { return nil }
            guard entry.messages < reuse.maximumMessages, entry.bytes + bytes <= reuse.maximumBytes,
                  ContinuousClock.now - entry.made < reuse.maximumAge
            else {
                keys.removeValue(forKey: encoded)
                return nil
            }
            entry.messages += 1
            entry.bytes += bytes
            keys[encoded] = entry
            return (entry.key, entry.wrapped)
        }
        if let taken { return taken }
        let key = SymmetricKey(size: .bits256)
        let wrapped = try await Self.checked(source.wrap(key, context: context))
        if reuse != .never {
            current.withLock { keys in
                // Bounded: one entry per context in use; a burst of new contexts starts over.
                if keys.count >= 10_000 { keys.removeAll() }
                keys[encoded] = CurrentKey(key: key, wrapped: wrapped, made: .now, messages: 1, bytes: bytes)
            }
        }
        return (key, wrapped)
    }
}
