import Synchronization

/// What one ``SealedStorage/transaction(_:)`` has read, which its writes are
/// conditioned on: each record with the version it had (nil: it did not
/// exist), and each listed prefix with the paths it held.
final class TransactionReads: Sendable {
    private struct Reads {
        var versions: [String: UInt64?] = [:]
        var listings: [String: Set<String>] = [:]
    }

    private let reads = Mutex(Reads())

    /// Notes a read; the first version read of a record is the one the transaction may have used.
    func note(_ key: String, _ version: UInt64?) {
        reads.withLock { reads in
            if reads.versions.index(forKey: key) == nil { reads.versions[key] = .some(version) }
        }
    }

    /// Notes a listing; the first one of a prefix is the one the transaction may have used.
    func noteListing(_ prefix: String, _ paths: Set<String>) {
        reads.withLock { reads in
            if reads.listings[prefix] == nil { reads.listings[prefix] = paths }
        }
    }

    /// Records the transaction's own write (`version` nil: a delete), in what it read and listed.
    func wrote(_ key: String, _ version: UInt64?) {
        reads.withLock { reads in
            reads.versions[key] = .some(version)
            for prefix in reads.listings.keys where key.hasPrefix(prefix) {
                if version == nil { reads.listings[prefix]?.remove(key) } else { reads.listings[prefix]?.insert(key) }
            }
        }
    }

    var versions: [String: UInt64?] { reads.withLock { $0.versions } }
    var listings: [String: Set<String>] { reads.withLock { $0.listings } }
}
