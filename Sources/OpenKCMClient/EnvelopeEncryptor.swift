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
///
/// With a `subject` (a user id), a record's data key is also bound to that
/// subject: ``destroySubject(_:)`` makes every record of the subject
/// unrecoverable (GDPR erasure without scrubbing backups), and such a record
/// opens only when the same subject is named.
public final class EnvelopeEncryptor: Sendable {
    public let source: any DataKeySource
    public let reuse: DataKeyReuse

    private struct CurrentKey {
        var key: SymmetricKey
        var wrapped: [UInt8]
        /// The subject's UTF-8 bytes, for a subject-bound key.
        var subject: [UInt8]?
        var made: ContinuousClock.Instant
        var messages = 0
        var bytes = 0
    }

    /// The data key in use per encoded context and subject (a key is never shared by two subjects).
    private let current = Mutex<[[UInt8]: CurrentKey]>([:])

    public init(source: any DataKeySource, reuse: DataKeyReuse = DataKeyReuse()) {
        self.source = source
        self.reuse = reuse
    }

    /// Seals `plaintext`; the record holds the wrapped data key, a nonce, the ciphertext and the tag.
    /// - Parameter subject: binds the record's data key to this subject (a user id) too.
    public func encrypt(
        _ plaintext: some DataProtocol & Sendable, context: [String: String] = [:], subject: String? = nil
    ) async throws(OpenKCMClientError) -> [UInt8] {
        let encoded = try RecordContext.encode(context)
        let (key, wrapped) = try await dataKey(for: Self.reuseKey(encoded, subject), context: context, subject: subject, bytes: plaintext.count)
        return try EnvelopeRecord.seal(plaintext, key: key, wrappedKey: wrapped, context: encoded)
    }

    /// Opens a record made by ``encrypt(_:context:subject:)`` with the same context and subject.
    public func decrypt(_ record: [UInt8], context: [String: String] = [:], subject: String? = nil) async throws(OpenKCMClientError) -> [UInt8] {
        let encoded = try RecordContext.encode(context)
        let parsed = try EnvelopeRecord(parsing: record)
        let key = try await source.unwrap(parsed.wrappedKey, context: context, subject: subject)
        return try parsed.open(key: key, context: encoded)
    }

    /// Revokes a record's or stream's data key at OpenKCM (pass the record,
    /// or at least a stream's header): the core refuses that wrapped key from
    /// then on (other core replicas within 5 s), and gateways drop their
    /// cached keys. A revocation, not crypto-shredding: the blob could still
    /// be opened by whoever holds the core's store and MasterKey; to shred,
    /// bind records to a subject and use ``destroySubject(_:)``. A copy
    /// rewrapped under a newer L3 version before the revocation is another
    /// blob: revoke it too. Records sealed under the same reused data key go
    /// with it; use ``DataKeyReuse/never`` for records revoked one by one.
    public func revoke(_ ciphertext: [UInt8]) async throws(OpenKCMClientError) {
        let (_, wrapped, _) = try EnvelopeRecord.readHeader(ciphertext)
        try await source.revoke(wrapped)
        // A key still in use for new records must not seal more under a revoked key.
        current.withLock { keys in keys = keys.filter { $0.value.wrapped != wrapped } }
    }

    /// The former name of ``revoke(_:)``, which never crypto-shredded anything.
    @available(*, deprecated, renamed: "revoke(_:)")
    public func destroy(_ ciphertext: [UInt8]) async throws(OpenKCMClientError) {
        try await revoke(ciphertext)
    }

    /// Crypto-shreds a subject at OpenKCM: every record encrypted with this
    /// subject, from any copy or backup, can never be decrypted again, and
    /// the subject id is refused from then on (410 `keychain.subject_destroyed`).
    public func destroySubject(_ subject: String) async throws(OpenKCMClientError) {
        // Dropped first: whatever the core answers, no key of this subject is used again here.
        let tag = Array(subject.utf8)
        current.withLock { keys in keys = keys.filter { $0.value.subject != tag } }
        try await source.destroySubject(subject)
    }

    /// Reused data keys are kept per context and subject: the encoded context (which delimits itself:
    /// counts and lengths), then 0xFF and the subject, so no two (context, subject) pairs collide.
    private static func reuseKey(_ encoded: [UInt8], _ subject: String?) -> [UInt8] {
        guard let subject else { return encoded }
        return encoded + [0xFF] + Array(subject.utf8)
    }

    /// A stream encryptor for data too large to hold: its own data key, wrapped now.
    public func streamEncryptor(
        context: [String: String] = [:], subject: String? = nil, chunkSize: Int = StreamEncryptor.defaultChunkSize
    ) async throws(OpenKCMClientError) -> StreamEncryptor {
        let encoded = try RecordContext.encode(context)
        let key = SymmetricKey(size: .bits256)
        let wrapped = try await Self.checked(source.wrap(key, context: context, subject: subject))
        return try StreamEncryptor(dataKey: key, wrappedKey: wrapped, context: encoded, chunkSize: chunkSize)
    }

    /// A stream decryptor: reads the stream's header from `prefix` (its first bytes, at least the header), unwraps its key.
    public func streamDecryptor(
        header prefix: [UInt8], context: [String: String] = [:], subject: String? = nil
    ) async throws(OpenKCMClientError) -> StreamDecryptor {
        let encoded = try RecordContext.encode(context)
        let (kind, wrapped, _) = try EnvelopeRecord.readHeader(prefix)
        guard kind == EnvelopeRecord.streamKind else { throw .malformed("a record, not a stream: use decrypt") }
        let key = try await source.unwrap(wrapped, context: context, subject: subject)
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
    private func dataKey(
        for encoded: [UInt8], context: [String: String], subject: String?, bytes: Int
    ) async throws(OpenKCMClientError) -> (SymmetricKey, [UInt8]) {
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
        let wrapped = try await Self.checked(source.wrap(key, context: context, subject: subject))
        // A subject-bound key is never reused: the subject may be destroyed elsewhere (another
        // instance, a gateway, the CLI) at any moment, and a reused key would go on sealing records
        // nobody can open; a fresh wrap per record asks the core, which refuses a destroyed subject.
        if reuse != .never, subject == nil {
            current.withLock { keys in
                // Bounded: one entry per context in use; a burst of new contexts starts over.
                if keys.count >= 10_000 { keys.removeAll() }
                keys[encoded] = CurrentKey(key: key, wrapped: wrapped, subject: subject.map { Array($0.utf8) }, made: .now, messages: 1, bytes: bytes)
            }
        }
        return (key, wrapped)
    }
}
