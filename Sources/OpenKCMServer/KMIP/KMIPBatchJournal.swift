import Foundation
import OpenKCMCore
import Synchronization

/// What the items of one batch changed in storage, kept only when the client
/// asked for Batch Error Continuation Option Undo: each write records the
/// record as it was, and ``undo()`` puts them back, newest first.
final class KMIPBatchJournal: Sendable {
    /// The journal of the batch being answered, if it wants Undo.
    @TaskLocal static var current: KMIPBatchJournal?

    private struct Entry: Sendable {
        var storage: SealedStorage
        var key: String
        var before: Data?
    }

    private let entries = Mutex<[Entry]>([])

    /// Notes `key`'s value before a write; only its first value in the batch matters.
    func recordBefore(_ key: String, in storage: SealedStorage) async throws {
        guard !entries.withLock({ $0.contains { $0.key == key } }) else { return }
        let before = try await storage.get(key)
        entries.withLock { $0.append(Entry(storage: storage, key: key, before: before)) }
    }

    /// Puts every recorded key back as it was before the batch.
    func undo() async throws {
        for entry in entries.withLock({ $0 }).reversed() {
            if let before = entry.before {
                try await entry.storage.put(entry.key, value: before)
            } else {
                try await entry.storage.delete(entry.key)
            }
        }
    }
}
