import Synchronization

/// The records one ``SealedStorage/transaction(_:)`` has read, each with the
/// version it had (nil: it did not exist), which its writes are conditioned on.
final class TransactionReads: Sendable {
    private let versions = Mutex<[String: UInt64?]>([:])

    /// Notes a read; the first version read of a record is the one the transaction may have used.
    func note(_ key: String, _ version: UInt64?) {
        versions.withLock { versions in
            if versions.index(forKey: key) == nil { versions[key] = .some(version) }
        }
    }

    /// Records the transaction's own write.
    func set(_ key: String, _ version: UInt64?) {
        versions.withLock { $0[key] = .some(version) }
    }

    var all: [String: UInt64?] { versions.withLock { $0 } }
}
