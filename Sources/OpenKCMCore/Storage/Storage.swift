public import Foundation

/// A key/value store for opaque records. Everything OpenKCM persists goes
/// through ``SealedStorage`` first, so implementations only ever see ciphertext.
///
/// Keys are `/`-separated paths (``StoragePath``). Implementations must make
/// ``write(_:if:)`` atomic: every condition is checked and all mutations
/// apply, or nothing does, with no other write in between.
public protocol Storage: Sendable {
    /// The value at `key`, or nil.
    func get(_ key: String) async throws -> Data?
    /// Stores `value` at `key`, replacing any previous value.
    func put(_ key: String, value: Data) async throws
    /// Removes `key`; removing a missing key is not an error.
    func delete(_ key: String) async throws
    /// Every key that starts with `prefix`, in ascending byte order.
    func list(prefix: String) async throws -> [String]
    /// Applies all `mutations` atomically, in order, if every one of
    /// `conditions` holds at that moment; otherwise applies nothing and throws
    /// ``StorageError/conditionFailed(key:)`` naming a condition that did not
    /// hold. Two writers conditioned on the same key's state: one wins.
    func write(_ mutations: [StorageMutation], if conditions: [StorageCondition]) async throws
    /// Makes earlier deletes final: no copy of a deleted value may stay in a
    /// log or journal. Called after crypto-shredding.
    func purgeDeleted() async throws
    /// Every record as of one moment (no write half seen), in ascending byte
    /// order of keys: what a backup or a move to another store copies. Not
    /// bounded by the store's statement timeout: a whole store takes longer
    /// than one request.
    func snapshot() async throws -> [StorageRecord]
    /// Fills an empty store with `records` in one transaction: all of them or
    /// none. Refused with ``StorageError/notEmpty`` when the store holds any
    /// record (a restore or a move never merges into a store in use).
    func load(_ records: [StorageRecord]) async throws
}

extension Storage {
    /// Applies all `mutations` atomically, in order, whatever the store holds.
    public func write(_ mutations: [StorageMutation]) async throws {
        try await write(mutations, if: [])
    }

    /// Stores without a log have nothing to purge.
    public func purgeDeleted() async throws {}
}

/// One change in an atomic ``Storage/write(_:)``.
public enum StorageMutation: Sendable, Equatable {
    case put(key: String, value: Data)
    case delete(key: String)

    /// The key this mutation touches.
    public var key: String {
        switch self {
        case .put(let key, _), .delete(let key): key
        }
    }
}
