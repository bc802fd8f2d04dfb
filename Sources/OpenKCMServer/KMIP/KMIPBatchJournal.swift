import Foundation
import OpenKCMCore
import Synchronization

/// What the items of one batch changed in storage, kept only when the client
/// asked for Batch Error Continuation Option Undo: each write records the
/// record as it was before the batch and as the batch left it, and
/// ``undo(locks:)`` puts them back, all or none.
final class KMIPBatchJournal: Sendable {
    /// The journal of the batch being answered, if it wants Undo.
    @TaskLocal static var current: KMIPBatchJournal?

    private struct Entry: Sendable {
        var storage: SealedStorage
        var key: String
        var before: Data?
        var after: Data?
    }

    private let entries = Mutex<[Entry]>([])
    /// Set when another client changed one of the batch's objects between two of its items.
    private let conflicted = Mutex(false)

    /// Notes `key`'s value before a write: the first time, as the value to go
    /// back to; later, to check that nobody else changed it since the batch's last write.
    func recordBefore(_ key: String, in storage: SealedStorage) async throws {
        let current = try await storage.get(key)
        entries.withLock { entries in
            if let entry = entries.first(where: { $0.key == key }) {
                if entry.after != current { conflicted.withLock { $0 = true } }
            } else {
                entries.append(Entry(storage: storage, key: key, before: current, after: current))
            }
        }
    }

    /// Notes what the batch wrote at `key` (nil: deleted).
    func recordAfter(_ key: String, value: Data?) {
        entries.withLock { entries in
            if let index = entries.firstIndex(where: { $0.key == key }) { entries[index].after = value }
        }
    }

    /// Puts every recorded key back as it was before the batch, holding each
    /// object's lock, and only if every one still holds what this batch wrote:
    /// a change another client made meanwhile (a Revoke, a Destroy) is never
    /// overwritten. Returns false, having changed nothing, if one does not.
    /// `forget` is called for every restored key while its lock is still held,
    /// so that no cache hands out what the batch wrote.
    func undo(locks: KeyedAsyncLock<String>, forget: (String) -> Void) async throws -> Bool {
        guard !conflicted.withLock({ $0 }) else { return false }
        let recorded = entries.withLock { $0 }
        // One lock order for every undo, so two never wait on each other.
        let keys = recorded.map(\.key).sorted()
        return try await Self.holding(keys[...], locks) {
            for entry in recorded where try await entry.storage.get(entry.key) != entry.after { return false }
            for entry in recorded.reversed() {
                if let before = entry.before {
                    try await entry.storage.put(entry.key, value: before)
                } else {
                    try await entry.storage.delete(entry.key)
                }
                forget(entry.key)
            }
            return true
        }
    }

    private static func holding(_ keys: ArraySlice<String>, _ locks: KeyedAsyncLock<String>, _ body: () async throws -> Bool) async throws -> Bool {
        guard let first = keys.first else { return try await body() }
        return try await locks.withLock(first) { try await holding(keys.dropFirst(), locks, body) }
    }
}
