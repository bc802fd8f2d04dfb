/// Why the barrier refused an operation.
public enum BarrierError: OpenKCMError, Equatable {
    /// The server is sealed: no MasterKey is in memory.
    case sealed
    /// A record failed to decrypt or parse: tampered, moved to another key, or written under another MasterKey.
    case recordCorrupted(key: String)
    /// A MasterKey must be exactly 256 bits.
    case invalidMasterKey(bitCount: Int)
    /// The stored record is an older (or other) version than the sealed index
    /// says: someone with write access to the store put back an earlier copy.
    /// `found` is 0 for a record written before records carried versions.
    case recordRolledBack(key: String, expected: UInt64, found: UInt64)
    /// The sealed index says the record exists, but the store does not have it:
    /// it was deleted outside the server.
    case recordMissing(key: String)
    /// The store has a record the sealed index does not know: it was put back
    /// (or made up) outside the server after the server deleted it.
    case recordUnexpected(key: String)
    /// The path is the barrier's own (its index); callers cannot use it.
    case reservedKey(key: String)
    /// The whole store is older than the audit log says it was: a backup was
    /// put back. Its index is consistent, so only the log outside it shows this.
    case storeRolledBack(generation: UInt64, audited: UInt64)
    /// While the server ran, the store went back to an older generation than
    /// one this server had already read or written: it was replaced under it.
    case storeRewound(generation: UInt64, seen: UInt64)
    /// The record names a barrier key term the keyring does not hold: written
    /// under a term this process has not read yet (the keyring is read again
    /// then), or made up.
    case keyTermUnknown(key: String, term: UInt32)
    /// The keyring holds as many terms as it may.
    case keyringFull(terms: Int)

    /// Whether the store no longer matches what the server wrote (a record or
    /// the whole store changed outside it), as opposed to being sealed or misused.
    public var isIntegrityFailure: Bool {
        switch self {
        case .recordCorrupted, .recordRolledBack, .recordMissing, .recordUnexpected, .storeRolledBack, .storeRewound: true
        case .sealed, .invalidMasterKey, .reservedKey, .keyTermUnknown, .keyringFull: false
        }
    }

    public var code: String {
        switch self {
        case .sealed: "barrier.sealed"
        case .recordCorrupted: "barrier.record_corrupted"
        case .invalidMasterKey: "barrier.invalid_master_key"
        case .recordRolledBack: "barrier.record_rolled_back"
        case .recordMissing: "barrier.record_missing"
        case .recordUnexpected: "barrier.record_unexpected"
        case .reservedKey: "barrier.reserved_key"
        case .storeRolledBack: "barrier.store_rolled_back"
        case .storeRewound: "barrier.store_rewound"
        case .keyTermUnknown: "barrier.key_term_unknown"
        case .keyringFull: "barrier.keyring_full"
        }
    }

    public var description: String {
        switch self {
        case .sealed: "the server is sealed"
        case .recordCorrupted(let key): "stored record '\(key)' failed authentication (tampered, moved, or from another MasterKey)"
        case .invalidMasterKey(let bits): "a MasterKey is 256 bits, got \(bits)"
        case .recordRolledBack(let key, let expected, let found):
            "stored record '\(key)' is version \(found) but the sealed index says \(expected): it was rolled back outside the server"
        case .recordMissing(let key): "stored record '\(key)' is in the sealed index but missing from the store: it was deleted outside the server"
        case .recordUnexpected(let key): "stored record '\(key)' is not in the sealed index: it was put back outside the server"
        case .reservedKey(let key): "storage key '\(key)' is reserved for the barrier's index"
        case .storeRolledBack(let generation, let audited):
            "the store is at generation \(generation) but the audit log recorded \(audited): an older copy of the whole store was put back"
        case .storeRewound(let generation, let seen):
            "the store went back to generation \(generation) after this server had reached \(seen): it was replaced while the server ran"
        case .keyTermUnknown(let key, let term): "stored record '\(key)' names barrier key term \(term), which the keyring does not hold"
        case .keyringFull(let terms): "the barrier keyring holds \(terms) terms, its limit"
        }
    }
}
