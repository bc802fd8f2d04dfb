import Foundation
import OpenKCMCore
import Testing
@testable import OpenKCMServer

@Suite struct KMIPBatchJournalTests {
    static func storage() -> SealedStorage {
        let storage = SealedStorage(backend: InMemoryStorage())
        storage.unseal(with: .generate())
        return storage
    }

    @Test func undoRestoresEverythingTheBatchWrote() async throws {
        let storage = Self.storage()
        try await storage.put("kmip/objects/t/s/a", value: Data("a0".utf8))
        let journal = KMIPBatchJournal()
        for (key, value) in [("kmip/objects/t/s/a", "a1"), ("kmip/objects/t/s/b", "b1")] {
            try await journal.recordBefore(key, in: storage)
            try await storage.put(key, value: Data(value.utf8))
            journal.recordAfter(key, value: Data(value.utf8))
        }
        #expect(try await journal.undo(locks: KeyedAsyncLock<String>()) { _ in })
        #expect(try await storage.get("kmip/objects/t/s/a") == Data("a0".utf8))
        #expect(try await storage.get("kmip/objects/t/s/b") == nil)
    }

    @Test func undoChangesNothingIfAnotherClientChangedAnObjectMeanwhile() async throws {
        let storage = Self.storage()
        try await storage.put("kmip/objects/t/s/a", value: Data("active".utf8))
        let journal = KMIPBatchJournal()
        try await journal.recordBefore("kmip/objects/t/s/a", in: storage)
        try await storage.put("kmip/objects/t/s/a", value: Data("renamed".utf8))
        journal.recordAfter("kmip/objects/t/s/a", value: Data("renamed".utf8))
        try await journal.recordBefore("kmip/objects/t/s/b", in: storage)
        try await storage.put("kmip/objects/t/s/b", value: Data("created".utf8))
        journal.recordAfter("kmip/objects/t/s/b", value: Data("created".utf8))
        // Another client revokes a meanwhile: the undo must not bring back its old state.
        try await storage.put("kmip/objects/t/s/a", value: Data("compromised".utf8))
        #expect(try await journal.undo(locks: KeyedAsyncLock<String>()) { _ in } == false)
        #expect(try await storage.get("kmip/objects/t/s/a") == Data("compromised".utf8))
        #expect(try await storage.get("kmip/objects/t/s/b") == Data("created".utf8))
    }

    @Test func undoChangesNothingIfAnotherClientChangedAnObjectBetweenTwoItems() async throws {
        let storage = Self.storage()
        try await storage.put("kmip/objects/t/s/a", value: Data("active".utf8))
        let journal = KMIPBatchJournal()
        // Item 1 writes a; another client revokes a; item 2 writes a again.
        try await journal.recordBefore("kmip/objects/t/s/a", in: storage)
        try await storage.put("kmip/objects/t/s/a", value: Data("renamed".utf8))
        journal.recordAfter("kmip/objects/t/s/a", value: Data("renamed".utf8))
        try await storage.put("kmip/objects/t/s/a", value: Data("compromised".utf8))
        try await journal.recordBefore("kmip/objects/t/s/a", in: storage)
        try await storage.put("kmip/objects/t/s/a", value: Data("compromised, renamed".utf8))
        journal.recordAfter("kmip/objects/t/s/a", value: Data("compromised, renamed".utf8))
        #expect(try await journal.undo(locks: KeyedAsyncLock<String>()) { _ in } == false)
        #expect(try await storage.get("kmip/objects/t/s/a") == Data("compromised, renamed".utf8))
    }
}
