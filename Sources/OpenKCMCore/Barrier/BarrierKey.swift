import Crypto
import Foundation

/// One term of the barrier's record key. Term 1 is derived from the MasterKey
/// (every store has it); later terms are random keys kept in the sealed
/// ``BarrierKeyring``, added by a rotation. A record's envelope header names
/// the term (its key version) and the term's key id, so a record says which
/// key opens it and a store can hold records of several terms while a
/// rotation re-encrypts them.
struct BarrierKey: Sendable {
    let term: UInt32
    let key: SymmetricKey
    let id: KeyID

    /// Term 1: derived from the MasterKey with HKDF-SHA256, as every store before rotation had it.
    init(masterKey: MasterKey) {
        self.init(derivedFrom: masterKey, info: "record encryption key", idLabel: "OpenKCM barrier key id v1")
    }

    /// The key that seals the keyring itself: derived from the MasterKey, never used for records.
    init(keyringOf masterKey: MasterKey) {
        self.init(derivedFrom: masterKey, info: "barrier keyring key", idLabel: "OpenKCM barrier keyring id v1")
    }

    private init(derivedFrom masterKey: MasterKey, info: String, idLabel: String) {
        self.term = 1
        self.key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey.key, salt: Array("OpenKCM barrier v1".utf8), info: Array(info.utf8), outputByteCount: 32)
        self.id = KeyID(prefixOf: HMAC<SHA256>.authenticationCode(for: Array(idLabel.utf8), using: masterKey.key))
    }

    /// A rotated term: a random 256-bit key from the keyring.
    init(term: UInt32, material: SymmetricKey) {
        self.term = term
        self.key = material
        self.id = KeyID(prefixOf: HMAC<SHA256>.authenticationCode(for: Array("OpenKCM barrier key id v1".utf8), using: material))
    }

    /// The path, and from version 1 on the record's version, as the AAD's context pairs.
    private func binding(for path: String, version: UInt64?) -> EnvelopeBinding {
        // Short pairs; a storage path is at most 512 bytes, within the value limit.
        var pairs = [(key: "path", value: path)]
        if let version { pairs.append((key: "record-version", value: String(version))) }
        return EnvelopeBinding(context: EncryptionContext(trustedPairs: pairs))
    }

    /// `u64 version || envelope`: the version is readable without the key (the
    /// store, and later conditional writes, use it) and bound in the AAD.
    func seal(_ value: Data, at path: String, version: UInt64) throws -> Data {
        let header = EnvelopeHeader(layer: .barrierRecord, keyID: id, keyVersion: term)
        var out = Data(count: 8)
        for index in 0..<8 { out[index] = UInt8(truncatingIfNeeded: version >> UInt64(56 - 8 * index)) }
        out.append(contentsOf: try EnvelopeCipher.seal(value, header: header, binding: binding(for: path, version: version), key: key))
        return out
    }

    /// Opens a parsed envelope whose header names this term; nil `version` for a record from before versions.
    func open(_ wrapped: WrappedKey, at path: String, version: UInt64?) throws(BarrierError) -> Data {
        guard wrapped.header.layer == .barrierRecord, wrapped.header.keyID == id else { throw .recordCorrupted(key: path) }
        do {
            return try EnvelopeCipher.open(wrapped, binding: binding(for: path, version: version), key: key)
        } catch {
            throw .recordCorrupted(key: path)
        }
    }

    /// Opens `u64 version || envelope` sealed by this key (the keyring's own record).
    func open(_ stored: Data, at path: String, version: UInt64) throws(BarrierError) -> Data {
        guard stored.count > 8, let wrapped = try? WrappedKey(parsing: Data(stored.dropFirst(8)), maximumSize: SealedStorage.maximumRecordSize + WrappedKey.overhead),
              wrapped.header.keyVersion == term
        else { throw .recordCorrupted(key: path) }
        return try open(wrapped, at: path, version: version)
    }
}
