import Crypto
public import Foundation
import Synchronization

/// The barrier: every value is AES-256-GCM-encrypted under a key derived from
/// the MasterKey before it reaches ``Storage``, with its storage key bound as
/// associated data, so a record copied to another key fails to open.
///
/// While sealed every call throws ``BarrierError/sealed``.
public final class SealedStorage: Sendable {
    /// Records up to 16 MiB; the barrier refuses larger ones on read.
    public static let maximumRecordSize = 16 * 1024 * 1024

    /// The store underneath. Only bootstrap data that must be read while
    /// sealed (the seal configuration) may be used here directly.
    public let backend: any Storage
    private let recordKey = Mutex<BarrierKey?>(nil)
    private let sealedFlag = Atomic<Bool>(true)

    public init(backend: any Storage) {
        self.backend = backend
    }

    /// Derives the record key from `masterKey` and starts serving.
    public func unseal(with masterKey: MasterKey) {
        let key = BarrierKey(masterKey: masterKey)
        recordKey.withLock { $0 = key }
        sealedFlag.store(false, ordering: .releasing)
    }

    /// Forgets the record key; the derived key's bytes are zeroed on release.
    public func seal() {
        sealedFlag.store(true, ordering: .releasing)
        recordKey.withLock { $0 = nil }
    }

    /// Cheap enough for every L4 operation to check.
    public var isSealed: Bool { sealedFlag.load(ordering: .acquiring) }

    /// The decrypted record at `key`, or nil.
    public func get(_ key: String) async throws -> Data? {
        let barrierKey = try currentKey()
        guard let stored = try await backend.get(key) else { return nil }
        return try barrierKey.open(stored, at: key)
    }

    /// Encrypts and stores `value` at `key`.
    public func put(_ key: String, value: Data) async throws {
        try StoragePath.validate(key)
        let sealed = try currentKey().seal(value, at: key)
        try await backend.put(key, value: sealed)
    }

    public func delete(_ key: String) async throws {
        _ = try currentKey()
        try await backend.delete(key)
    }

    public func list(prefix: String) async throws -> [String] {
        _ = try currentKey()
        return try await backend.list(prefix: prefix)
    }

    /// Encrypts every put and applies all mutations atomically.
    public func write(_ mutations: [StorageMutation]) async throws {
        let barrierKey = try currentKey()
        var sealed: [StorageMutation] = []
        sealed.reserveCapacity(mutations.count)
        for mutation in mutations {
            switch mutation {
            case .put(let key, let value):
                try StoragePath.validate(key)
                sealed.append(.put(key: key, value: try barrierKey.seal(value, at: key)))
            case .delete:
                sealed.append(mutation)
            }
        }
        try await backend.write(sealed)
    }

    private func currentKey() throws(BarrierError) -> BarrierKey {
        guard let key = recordKey.withLock({ $0 }) else { throw .sealed }
        return key
    }
}

/// The record key and its id, derived from the MasterKey with HKDF-SHA256.
struct BarrierKey: Sendable {
    /// Barrier key generation; bumps when the MasterKey is rotated.
    static let term: UInt32 = 1
    let key: SymmetricKey
    let id: KeyID

    init(masterKey: MasterKey) {
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey.key,
            salt: Array("OpenKCM barrier v1".utf8),
            info: Array("record encryption key".utf8),
            outputByteCount: 32
        )
        let idMac = HMAC<SHA256>.authenticationCode(for: Array("OpenKCM barrier key id v1".utf8), using: masterKey.key)
        self.id = KeyID(prefixOf: idMac)
    }

    private func binding(for path: String) -> EnvelopeBinding {
        // One short pair; a storage path is at most 512 bytes, within the value limit.
        EnvelopeBinding(context: EncryptionContext(trustedPairs: [(key: "path", value: path)]))
    }

    func seal(_ value: Data, at path: String) throws -> Data {
        let header = EnvelopeHeader(layer: .barrierRecord, keyID: id, keyVersion: Self.term)
        return Data(try EnvelopeCipher.seal(value, header: header, binding: binding(for: path), key: key))
    }

    func open(_ stored: Data, at path: String) throws(BarrierError) -> Data {
        do {
            let wrapped = try WrappedKey(parsing: stored, maximumSize: SealedStorage.maximumRecordSize + WrappedKey.overhead)
            guard wrapped.header.layer == .barrierRecord, wrapped.header.keyID == id else {
                throw BarrierError.recordCorrupted(key: path)
            }
            return try EnvelopeCipher.open(wrapped, binding: binding(for: path), key: key)
        } catch {
            throw .recordCorrupted(key: path)
        }
    }
}
