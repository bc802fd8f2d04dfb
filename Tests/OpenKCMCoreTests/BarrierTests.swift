import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

@Suite struct BarrierTests {
    @Test func aSealedBarrierRefusesEverything() async throws {
        let barrier = SealedStorage(backend: InMemoryStorage())
        #expect(barrier.isSealed)
        await #expect(throws: BarrierError.sealed) { try await barrier.put("a", value: Data([1])) }
        await #expect(throws: BarrierError.sealed) { _ = try await barrier.get("a") }
        await #expect(throws: BarrierError.sealed) { _ = try await barrier.list(prefix: "") }
        await #expect(throws: BarrierError.sealed) { try await barrier.delete("a") }
        await #expect(throws: BarrierError.sealed) { try await barrier.write([.delete(key: "a")]) }

        let masterKey = MasterKey.generate()
        barrier.unseal(with: masterKey)
        try await barrier.put("a", value: Data("secret policy".utf8))
        barrier.seal()
        await #expect(throws: BarrierError.sealed) { _ = try await barrier.get("a") }
        barrier.unseal(with: masterKey)
        #expect(try await barrier.get("a") == Data("secret policy".utf8))
    }

    @Test func storageSeesOnlyCiphertext() async throws {
        let backend = InMemoryStorage()
        let barrier = SealedStorage(backend: backend)
        barrier.unseal(with: .generate())
        let value = Data("{\"tenant\":\"acme\",\"policy\":\"strict\"}".utf8)
        try await barrier.write([.put(key: "tenants/acme", value: value)])
        let stored = try #require(try await backend.get("tenants/acme"))
        // The record's version (8 bytes) comes before the envelope.
        #expect(stored.count == 8 + value.count + WrappedKey.overhead)
        #expect(SealedStorage.version(of: stored) == 1)
        #expect(stored.range(of: Data("acme".utf8)) == nil)
        #expect(stored.range(of: Data("strict".utf8)) == nil)
    }

    @Test func anotherMasterKeyCannotReadTheRecords() async throws {
        let backend = InMemoryStorage()
        let barrier = SealedStorage(backend: backend)
        barrier.unseal(with: .generate())
        try await barrier.put("k", value: Data([1, 2, 3]))
        let other = SealedStorage(backend: backend)
        other.unseal(with: .generate())
        // The first record it opens is the store root.
        await #expect(throws: BarrierError.recordCorrupted(key: "barrier/root")) { _ = try await other.get("k") }
    }

    @Test func tamperedRecordsAreRefused() async throws {
        let backend = InMemoryStorage()
        let barrier = SealedStorage(backend: backend)
        barrier.unseal(with: .generate())
        try await barrier.put("k", value: Data([1, 2, 3]))
        var stored = try #require(try await backend.get("k"))
        stored[stored.count - 1] ^= 1
        try await backend.put("k", value: stored)
        await #expect(throws: BarrierError.recordCorrupted(key: "k")) { _ = try await barrier.get("k") }
        try await backend.put("k", value: Data([0x4F]))
        await #expect(throws: BarrierError.recordRolledBack(key: "k", expected: 1, found: 0)) { _ = try await barrier.get("k") }
    }

    @Test func theMasterKeySurvivesAShamirRoundTripAndAWrongSetIsRefused() async throws {
        let masterKey = MasterKey.generate()
        let check = masterKey.keyCheckValue
        let shares = try masterKey.split(shares: 5, threshold: 3)
        let rebuilt = try MasterKey.combine([shares[4], shares[0], shares[2]], checkingWith: check)
        let barrier = SealedStorage(backend: InMemoryStorage())
        barrier.unseal(with: masterKey)
        try await barrier.put("k", value: Data([7]))
        barrier.seal()
        barrier.unseal(with: rebuilt)
        #expect(try await barrier.get("k") == Data([7]))

        let stranger = try MasterKey.generate().split(shares: 5, threshold: 3)
        #expect(throws: ShamirError.keyCheckFailed) { try MasterKey.combine(Array(stranger.prefix(3)), checkingWith: check) }
        #expect(throws: BarrierError.invalidMasterKey(bitCount: 128)) { try MasterKey(SymmetricKey(size: .bits128)) }
    }
}
