import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// Rotating the barrier key: records stay readable throughout, new ones are
/// sealed under the new term, re-encryption moves the old ones, and the
/// keyring survives a seal and reaches another process on the same store.
@Suite struct BarrierKeyRotationTests {
    static func terms(in backend: InMemoryStorage) async throws -> [String: UInt32] {
        var found: [String: UInt32] = [:]
        for path in try await backend.list(prefix: "") where path != BarrierKeyring.storageKey {
            if let stored = try await backend.get(path), let term = BarrierKeys.term(of: stored) { found[path] = term }
        }
        return found
    }

    @Test func aRotationKeepsEverythingReadableAndReencryptionMovesEveryRecord() async throws {
        let backend = InMemoryStorage()
        let barrier = SealedStorage(backend: backend)
        let masterKey = MasterKey.generate()
        barrier.unseal(with: masterKey)
        let paths = (0..<200).map { "tenants/t\($0)" } + (0..<50).map { "identities/i\($0)" }
        for path in paths { try await barrier.put(path, value: Data(path.utf8)) }
        #expect(try await barrier.keyStatus() == BarrierKeyStatus(activeTerm: 1, terms: 1, installedAt: nil, reencryptedAt: nil))
        #expect(Set(try await Self.terms(in: backend).values) == [1])

        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let rotated = try await barrier.rotateKey(at: now)
        #expect(rotated.activeTerm == 2 && rotated.terms == 2 && rotated.installedAt == now && rotated.reencryptionDue)
        // Old records open; a new write is sealed under term 2.
        for path in paths.prefix(10) { #expect(try await barrier.get(path) == Data(path.utf8)) }
        try await barrier.put("tenants/new", value: Data("new".utf8))
        #expect(try await Self.terms(in: backend)["tenants/new"] == 2)
        #expect(try await barrier.recordsUnderOlderTerms() > 0)
        let termOne = try #require(try await backend.get(paths[0]))

        var rewritten = 0
        let listed = try await barrier.list(prefix: "")
        for start in stride(from: 0, to: listed.count, by: 64) {
            rewritten += try await barrier.reencrypt(Array(listed[start..<min(start + 64, listed.count)]))
        }
        #expect(rewritten == paths.count)
        #expect(try await barrier.recordsUnderOlderTerms() == 0)
        #expect(Set(try await Self.terms(in: backend).values) == [2])
        #expect(try await barrier.reencrypt(listed) == 0)
        let done = try await barrier.markReencrypted(term: 2, at: now)
        #expect(done.reencryptedAt == now && !done.reencryptionDue)
        // Term 1 is retired: a record under it is refused, even one that was genuine (a leaked term-1 key forges nothing).
        #expect(done.terms == 1)
        let version = try #require(SealedStorage.version(of: termOne))
        #expect(throws: BarrierError.recordCorrupted(key: paths[0])) { try barrier.currentKeys().open(termOne, at: paths[0], version: version) }

        // After a seal, the keyring is read again from the store.
        barrier.seal()
        barrier.unseal(with: masterKey)
        #expect(try await barrier.keyStatus().activeTerm == 2)
        for path in paths { #expect(try await barrier.get(path) == Data(path.utf8)) }
        // The keyring holds no key in the clear.
        let keyring = try #require(try await backend.get(BarrierKeyring.storageKey))
        #expect(!String(decoding: keyring, as: UTF8.self).contains("material"))
    }

    @Test func anotherProcessOnTheSameStoreReadsTheNewTerm() async throws {
        let backend = InMemoryStorage()
        let masterKey = MasterKey.generate()
        let first = SealedStorage(backend: backend)
        let second = SealedStorage(backend: backend)
        first.unseal(with: masterKey)
        second.unseal(with: masterKey)
        try await first.put("tenants/a", value: Data([1]))
        #expect(try await second.get("tenants/a") == Data([1]))
        _ = try await first.rotateKey(at: Date())
        try await first.put("tenants/b", value: Data([2]))
        // The second has read the keyring before the rotation: it reads it again for the unknown term.
        #expect(try await second.get("tenants/b") == Data([2]))
        #expect(try await second.keyStatus().activeTerm == 2)
        // And a rotation there builds on the first's: term 3, not a second term 2.
        #expect(try await second.rotateKey(at: Date()).activeTerm == 3)
        try await second.put("tenants/c", value: Data([3]))
        #expect(try await first.get("tenants/c") == Data([3]))
    }

    @Test func anOlderKeyringPutBackRefusesWhatItLacksAndAForgedTermIsRefused() async throws {
        let backend = InMemoryStorage()
        let masterKey = MasterKey.generate()
        let barrier = SealedStorage(backend: backend)
        barrier.unseal(with: masterKey)
        _ = try await barrier.rotateKey(at: Date())
        let older = try #require(try await backend.get(BarrierKeyring.storageKey))
        _ = try await barrier.rotateKey(at: Date())
        try await barrier.put("tenants/a", value: Data([1]))
        // Put back the keyring from before term 3: the record sealed under it is refused, never opened wrongly.
        try await backend.put(BarrierKeyring.storageKey, value: older)
        barrier.seal()
        barrier.unseal(with: masterKey)
        // (The index records were sealed under term 3 as well: the store root is the first refused.)
        do {
            _ = try await barrier.get("tenants/a")
            Issue.record("a record of a term the keyring put back lacks was opened")
        } catch let error as BarrierError {
            #expect(error.code == "barrier.record_corrupted")
        }

        // A record claiming a term no keyring has is refused too.
        let fresh = InMemoryStorage()
        let other = SealedStorage(backend: fresh)
        other.unseal(with: masterKey)
        try await other.put("tenants/x", value: Data([9]))
        var stored = try #require(try await fresh.get("tenants/x"))
        stored[stored.startIndex + 8 + 24] = 7
        try await fresh.put("tenants/x", value: stored)
        await #expect(throws: BarrierError.recordCorrupted(key: "tenants/x")) { _ = try await other.get("tenants/x") }
    }
}
