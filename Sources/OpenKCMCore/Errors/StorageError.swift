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

    public var code: String {
        switch self {
        case .invalidKey: "storage.invalid_key"
        case .backendFailure: "storage.backend_failure"
        case .closed: "storage.closed"
        case .conditionFailed: "storage.condition_failed"
        }
    }

    public var description: String {
        switch self {
        case .invalidKey(let reason): "invalid storage key: \(reason)"
        case .backendFailure(let reason): "storage failure: \(reason)"
        case .closed: "storage is closed"
        case .conditionFailed(let key): "'\(key)' was changed by another writer since it was read; nothing was written"
        }
    }
}
