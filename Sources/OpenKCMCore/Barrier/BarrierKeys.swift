import Foundation

/// The barrier's keys while unsealed: the active term, which seals every new
/// record, and every term the keyring holds, which open what they sealed.
struct BarrierKeys: Sendable {
    let active: BarrierKey
    let terms: [UInt32: BarrierKey]
    /// Seals the keyring record (derived from the MasterKey).
    let keyringKey: BarrierKey
    /// The term-1 key, derived from the MasterKey: kept to rebuild the set when the keyring is read again.
    let derived: BarrierKey
    /// The unseal these keys belong to (see ``SealedStorage``'s index cache).
    let epoch: UInt64
    /// The keyring as read, or nil before it is read (the first use after unseal reads it).
    let keyring: BarrierKeyring?
    /// The keyring record's version as read (0: the store has none yet).
    let keyringVersion: UInt64

    /// Right after unseal: term 1 only, the keyring not read yet.
    init(masterKey: MasterKey, epoch: UInt64) {
        let derived = BarrierKey(masterKey: masterKey)
        self.active = derived
        self.terms = [1: derived]
        self.keyringKey = BarrierKey(keyringOf: masterKey)
        self.derived = derived
        self.epoch = epoch
        self.keyring = nil
        self.keyringVersion = 0
    }

    /// The same unseal's keys with `keyring` (read at `version`) applied.
    init(_ base: BarrierKeys, keyring: BarrierKeyring, version: UInt64) {
        // Term 1 is derived from the MasterKey, so it cannot be dropped from the keyring: it is left out once retired.
        var terms: [UInt32: BarrierKey] = (keyring.oldestOpenTerm ?? 1) <= 1 ? [1: base.derived] : [:]
        for term in keyring.terms { terms[term.term] = BarrierKey(term: term.term, material: term.material) }
        self.active = terms[keyring.active] ?? base.derived
        self.terms = terms
        self.keyringKey = base.keyringKey
        self.derived = base.derived
        self.epoch = base.epoch
        self.keyring = keyring
        self.keyringVersion = version
    }

    /// Seals a record with the active term.
    func seal(_ value: Data, at path: String, version: UInt64) throws -> Data {
        try active.seal(value, at: path, version: version)
    }

    /// Opens a versioned record whose version the caller checked, with the term its header names.
    func open(_ stored: Data, at path: String, version: UInt64) throws(BarrierError) -> Data {
        guard stored.count > 8 else { throw .recordCorrupted(key: path) }
        return try openEnvelope(stored.dropFirst(8), at: path, version: version)
    }

    /// Opens a record written before records carried versions (migration only).
    func openUnversioned(_ stored: Data, at path: String) throws(BarrierError) -> Data {
        try openEnvelope(stored, at: path, version: nil)
    }

    private func openEnvelope(_ envelope: Data, at path: String, version: UInt64?) throws(BarrierError) -> Data {
        guard let wrapped = try? WrappedKey(parsing: Data(envelope), maximumSize: SealedStorage.maximumRecordSize + WrappedKey.overhead) else {
            throw .recordCorrupted(key: path)
        }
        // A retired term (below the keyring's oldest open one) is refused outright, whatever key it names.
        if let oldest = keyring?.oldestOpenTerm, wrapped.header.keyVersion < oldest { throw .recordCorrupted(key: path) }
        guard let key = terms[wrapped.header.keyVersion] else {
            // A term this process has not read yet (another node rotated), or a forged header: the caller reads the keyring again.
            throw .keyTermUnknown(key: path, term: wrapped.header.keyVersion)
        }
        return try key.open(wrapped, at: path, version: version)
    }

    /// The term a stored record's header names, without opening it; nil when it is no envelope.
    static func term(of stored: Data) -> UInt32? {
        // u64 version, then the envelope header: magic(2) format(1) algorithm(1) layer(1) key id(16) key version(4).
        let offset = stored.startIndex + 8 + 21
        guard stored.count >= 8 + EnvelopeHeader.size else { return nil }
        return stored[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
