/// Why the storage layer refused or failed an operation.
public enum StorageError: OpenKCMError, Equatable {
    /// The key breaks ``StoragePath`` rules.
    case invalidKey(String)
    /// The backing store failed (I/O, database error). The message holds no record contents.
    case backendFailure(String)
    /// The store has been closed.
    case closed
    /// A conditional write found `key` not as it expected (another writer
    /// changed it since it was read): nothing was written.
    case conditionFailed(key: String)
    /// A restore or a move was pointed at a store that already holds records.
    case notEmpty

    public var code: String {
        switch self {
        case .invalidKey: "storage.invalid_key"
        case .backendFailure: "storage.backend_failure"
        case .closed: "storage.closed"
        case .conditionFailed: "storage.condition_failed"
        case .notEmpty: "storage.not_empty"
        }
    }

    public var description: String {
        switch self {
        case .invalidKey(let reason): "invalid storage key: \(reason)"
        case .backendFailure(let reason): "storage failure: \(reason)"
        case .closed: "storage is closed"
        case .conditionFailed(let key): "'\(key)' was changed by another writer since it was read; nothing was written"
        case .notEmpty: "the store already holds records; restore or move only into an empty store"
        }
    }
}
