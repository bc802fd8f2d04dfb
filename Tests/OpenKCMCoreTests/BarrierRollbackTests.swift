import Crypto
import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// Someone who can write the store but has no MasterKey puts back, deletes or
/// re-inserts single records (or a part of the index with them): every read
/// that meets it is refused with the error that says what happened.
@Suite struct BarrierRollbackTests {
    /// A barrier over `backend`, and a restarted one (nothing cached) on demand.
    struct Store {
        let backend = InMemoryStorage()
        let masterKey = MasterKey.generate()
        let barrier: SealedStorage

        init() {
            barrier = SealedStorage(backend: backend)
            barrier.unseal(with: masterKey)
        }

        func restarted() -> SealedStorage {
            let barrier = SealedStorage(backend: backend)
            barrier.unseal(with: masterKey)
            return barrier
        }

        /// Every stored row, to put back later.
        func snapshot() async throws -> [String: Data] {
            var rows: [String: Data] = [:]
            for key in try await backend.list(prefix: "") { rows[key] = try await backend.get(key) }
            return rows
        }

        func restore(_ rows: [String: Data], where include: (String) -> Bool) async throws {
            for (key, value) in rows where include(key) { try await backend.put(key, value: value) }
        }
    }

    @Test func versionsStartAtOneAndGrowWithEveryWrite() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data([1]))
        #expect(SealedStorage.version(of: try await store.backend.get("tenants/acme")) == 1)
        #expect(SealedStorage.version(of: try await store.backend.get(StorageScope.storeRootKey)) == 1)
        try await store.barrier.write([.put(key: "tenants/acme", value: Data([2])), .put(key: "identities/x", value: Data([3]))])
        #expect(SealedStorage.version(of: try await store.backend.get("tenants/acme")) == 2)
        #expect(SealedStorage.version(of: try await store.backend.get("identities/x")) == 2)
        #expect(try await store.restarted().openIndex() == 2)
        #expect(try await store.restarted().get("tenants/acme") == Data([2]))
    }

    @Test func anOlderVersionPutBackIsRefused() async throws {
        let store = Store()
        try await store.barrier.put("services/acme/payments", value: Data("min 1".utf8))
        let old = try await store.snapshot()
        try await store.barrier.put("services/acme/payments", value: Data("min 3".utf8))
        try await store.restore(old) { $0 == "services/acme/payments" }
        let error = BarrierError.recordRolledBack(key: "services/acme/payments", expected: 2, found: 1)
        await #expect(throws: error) { _ = try await store.barrier.get("services/acme/payments") }
        await #expect(throws: error) { _ = try await store.restarted().get("services/acme/payments") }
    }

    @Test func aRecordFromBeforeVersionsPutBackIsRefused() async throws {
        let store = Store()
        try await store.barrier.put("identities/x", value: Data([1]))
        try await store.backend.put("identities/x", value: try legacyRecord(Data([0]), at: "identities/x", masterKey: store.masterKey))
        await #expect(throws: BarrierError.recordRolledBack(key: "identities/x", expected: 1, found: 0)) {
            _ = try await store.barrier.get("identities/x")
        }
    }

    @Test func aDeletedRecordIsMissing() async throws {
        let store = Store()
        try await store.barrier.put("destroyed-l4/acme/payments/aa", value: Data([1]))
        try await store.barrier.put("destroyed-l4/acme/payments/bb", value: Data([1]))
        try await store.backend.delete("destroyed-l4/acme/payments/aa")
        for barrier in [store.barrier, store.restarted()] {
            await #expect(throws: BarrierError.recordMissing(key: "destroyed-l4/acme/payments/aa")) {
                _ = try await barrier.get("destroyed-l4/acme/payments/aa")
            }
            // A list never silently drops it either.
            await #expect(throws: BarrierError.recordMissing(key: "destroyed-l4/acme/payments/aa")) {
                _ = try await barrier.list(prefix: "destroyed-l4/acme/payments/")
            }
        }
    }

    @Test func aDeletedRecordPutBackIsUnexpected() async throws {
        let store = Store()
        try await store.barrier.put("kmip/trusted-cas/ca1", value: Data([1]))
        try await store.barrier.put("kmip/trusted-cas/ca2", value: Data([2]))
        let old = try await store.snapshot()
        try await store.barrier.delete("kmip/trusted-cas/ca1")
        try await store.restore(old) { $0 == "kmip/trusted-cas/ca1" }
        for barrier in [store.barrier, store.restarted()] {
            await #expect(throws: BarrierError.recordUnexpected(key: "kmip/trusted-cas/ca1")) { _ = try await barrier.get("kmip/trusted-cas/ca1") }
            await #expect(throws: BarrierError.recordUnexpected(key: "kmip/trusted-cas/ca1")) { _ = try await barrier.list(prefix: "kmip/") }
            #expect(try await barrier.get("kmip/trusted-cas/ca2") == Data([2]))
        }
    }

    @Test func aWholeDeletedScopePutBackIsUnexpected() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data([1]))
        try await store.barrier.put("tenants/globex", value: Data([1]))
        let old = try await store.snapshot()
        try await store.barrier.delete("tenants/acme")
        // Its index records are gone too; putting all of them back does not bring it back.
        #expect(try await store.backend.list(prefix: "barrier/scopes/tenant/acme").isEmpty)
        try await store.restore(old) { $0 == "tenants/acme" }
        let restarted = store.restarted()
        await #expect(throws: BarrierError.recordUnexpected(key: "tenants/acme")) { _ = try await restarted.get("tenants/acme") }
        await #expect(throws: BarrierError.recordUnexpected(key: "tenants/acme")) { _ = try await restarted.list(prefix: "tenants/") }
        // With its index records: a scope root the store root does not list, so nothing is served.
        try await store.restore(old) { $0.contains("acme") }
        await #expect(throws: BarrierError.recordUnexpected(key: StorageScope.tenant("acme").rootKey)) { try await store.restarted().openIndex() }
    }

    @Test func aBucketRolledBackWithItsRecordIsRefusedByTheScopeRoot() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data("linked".utf8))
        let old = try await store.snapshot()
        try await store.barrier.put("tenants/acme", value: Data("unlinked".utf8))
        let bucket = StorageScope.tenant("acme").bucketKey(StorageScope.bucket(of: "tenants/acme"))
        try await store.restore(old) { $0 == "tenants/acme" || $0 == bucket }
        await #expect(throws: BarrierError.recordRolledBack(key: bucket, expected: 2, found: 1)) {
            _ = try await store.restarted().get("tenants/acme")
        }
        // The running server never reloads its bucket: it sees the record itself.
        await #expect(throws: BarrierError.recordRolledBack(key: "tenants/acme", expected: 2, found: 1)) {
            _ = try await store.barrier.get("tenants/acme")
        }
    }

    @Test func aScopeRolledBackWholeIsRefusedByTheStoreRoot() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data("linked".utf8))
        try await store.barrier.put("kmip/objects/acme/payments/1", value: Data("active".utf8))
        let old = try await store.snapshot()
        try await store.barrier.put("tenants/acme", value: Data("unlinked".utf8))
        try await store.barrier.put("kmip/objects/acme/payments/1", value: Data("revoked".utf8))
        // Every row of the tenant's scope, index included, back as it was: only the store root disagrees.
        try await store.restore(old) { $0.contains("acme") }
        let restarted = store.restarted()
        await #expect(throws: BarrierError.recordRolledBack(key: StorageScope.tenant("acme").rootKey, expected: 4, found: 2)) {
            _ = try await restarted.get("kmip/objects/acme/payments/1")
        }
        // The running server holds the index in memory: it refuses the record itself.
        await #expect(throws: BarrierError.recordRolledBack(key: "tenants/acme", expected: 3, found: 1)) {
            _ = try await store.barrier.get("tenants/acme")
        }
    }

    @Test func aStoreRootPutBackIsRefusedAtOpenWhenAnyScopeMovedOn() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data("linked".utf8))
        let old = try await store.snapshot()
        try await store.barrier.put("tenants/acme", value: Data("unlinked".utf8))
        try await store.barrier.put("tenants/globex", value: Data("linked".utf8))
        // The store root and the acme scope put back together: acme alone looks consistent,
        // but globex's scope root is one the old store root does not list.
        try await store.restore(old) { $0.contains("acme") || $0 == StorageScope.storeRootKey }
        await #expect(throws: BarrierError.recordUnexpected(key: StorageScope.tenant("globex").rootKey)) {
            try await store.restarted().openIndex()
        }
    }

    @Test func aStoreRootPutBackAloneIsRefusedAtOpen() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data("linked".utf8))
        let old = try await store.snapshot()
        try await store.barrier.put("tenants/acme", value: Data("unlinked".utf8))
        try await store.restore(old) { $0 == StorageScope.storeRootKey }
        await #expect(throws: BarrierError.recordRolledBack(key: StorageScope.storeRootKey, expected: 2, found: 1)) {
            try await store.restarted().openIndex()
        }
    }

    @Test func twoRecordsSwappedFailToOpen() async throws {
        let store = Store()
        // One write: both records have the same version, so only the path binding tells them apart.
        try await store.barrier.write([.put(key: "services/acme/a", value: Data([1])), .put(key: "services/acme/b", value: Data([2]))])
        let a = try #require(try await store.backend.get("services/acme/a"))
        let b = try #require(try await store.backend.get("services/acme/b"))
        try await store.backend.write([.put(key: "services/acme/a", value: b), .put(key: "services/acme/b", value: a)])
        await #expect(throws: BarrierError.recordCorrupted(key: "services/acme/a")) { _ = try await store.barrier.get("services/acme/a") }
        await #expect(throws: BarrierError.recordCorrupted(key: "services/acme/b")) { _ = try await store.restarted().get("services/acme/b") }
    }

    @Test func aDeletedStoreRootIsRefusedAtOpen() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data([1]))
        try await store.backend.delete(StorageScope.storeRootKey)
        await #expect(throws: BarrierError.recordMissing(key: StorageScope.storeRootKey)) { try await store.restarted().openIndex() }
    }

    @Test func theIndexIsReservedAndTheSealConfigurationOutsideIt() async throws {
        let store = Store()
        await #expect(throws: BarrierError.reservedKey(key: "barrier/root")) { try await store.barrier.put("barrier/root", value: Data()) }
        await #expect(throws: BarrierError.reservedKey(key: SealConfiguration.storageKey)) {
            _ = try await store.barrier.get(SealConfiguration.storageKey)
        }
        // The seal configuration (read while sealed) may sit beside the index, unindexed.
        try await store.backend.put(SealConfiguration.storageKey, value: Data("{}".utf8))
        try await store.barrier.put("audit/checkpoint", value: Data([1]))
        #expect(try await store.barrier.list(prefix: "") == ["audit/checkpoint"])
    }

    @Test func aStoreFromBeforeVersionsIsIndexedAtFirstOpen() async throws {
        let store = Store()
        let rows = ["tenants/acme": Data("ring".utf8), "services/acme/payments": Data("svc".utf8), "identities/root": Data("id".utf8)]
        for (key, value) in rows { try await store.backend.put(key, value: try legacyRecord(value, at: key, masterKey: store.masterKey)) }
        try await store.backend.put(SealConfiguration.storageKey, value: Data("{}".utf8))
        // Not without the server's say-so (its audit log never recorded a store generation): a store that lost its index is refused.
        await #expect(throws: BarrierError.recordMissing(key: StorageScope.storeRootKey)) { try await store.restarted().openIndex() }
        let barrier = store.restarted()
        #expect(try await barrier.openIndex(allowMigration: true) == 1)
        for (key, value) in rows {
            #expect(try await barrier.get(key) == value)
            #expect(SealedStorage.version(of: try await store.backend.get(key)) == 1)
        }
        #expect(try await store.backend.get(SealConfiguration.storageKey) == Data("{}".utf8))
        #expect(try await barrier.list(prefix: "") == ["identities/root", "services/acme/payments", "tenants/acme"])
        // Indexed once: a legacy copy put back afterwards is a rollback.
        try await store.backend.put("tenants/acme", value: try legacyRecord(Data("old".utf8), at: "tenants/acme", masterKey: store.masterKey))
        await #expect(throws: BarrierError.recordRolledBack(key: "tenants/acme", expected: 1, found: 0)) {
            _ = try await store.restarted().get("tenants/acme")
        }
    }

    @Test func concurrentReadersAndWritersNeverSeeAFalseRollback() async throws {
        let store = Store()
        try await store.barrier.put("services/acme/payments", value: Data([0]))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 1...100 { try await store.barrier.put("services/acme/payments", value: Data([UInt8(i)])) }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<100 { _ = try await store.barrier.get("services/acme/payments") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.barrier.get("services/acme/payments") == Data([100]))
    }

    /// A record as the barrier wrote it before records carried versions: the envelope, bound to the path only.
    func legacyRecord(_ value: Data, at path: String, masterKey: MasterKey) throws -> Data {
        let key = BarrierKey(masterKey: masterKey)
        let header = EnvelopeHeader(layer: .barrierRecord, keyID: key.id, keyVersion: key.term)
        let binding = EnvelopeBinding(context: EncryptionContext(trustedPairs: [(key: "path", value: path)]))
        return Data(try EnvelopeCipher.seal(value, header: header, binding: binding, key: key.key))
    }
}

extension BarrierRollbackTests {
    /// envelope-format.md's vector 9: the record version in front of the envelope, and in its AAD.
    @Test func theStoredFormMatchesTheDocumentedVector() throws {
        let vector = try #require(EnvelopeVectorTests.vectors.first { $0.fields["stored"] != nil })
        let stored = Data(vector.bytes("stored"))
        #expect(SealedStorage.version(of: stored) == 7)
        #expect(stored.dropFirst(8) == Data(vector.bytes("blob")))
        #expect(vector.fields["context"]?.contains(#""record-version": "7""#) == true)
    }

    /// The whole store put back to an older copy while the server runs (its
    /// next read of the index, after a failed write say): refused, never served,
    /// and the index is never built again under a running server.
    @Test func aStoreReplacedUnderTheRunningServerIsRefused() async throws {
        let store = Store()
        try await store.barrier.put("tenants/acme", value: Data("linked".utf8))
        let old = try await store.snapshot()
        try await store.barrier.put("tenants/acme", value: Data("unlinked".utf8))
        // Every row back as it was at generation 1, consistently.
        for key in try await store.backend.list(prefix: "") where old[key] == nil { try await store.backend.delete(key) }
        try await store.restore(old) { _ in true }
        await #expect(throws: BarrierError.storeRewound(generation: 1, seen: 2)) { try await store.barrier.openIndex() }
        await #expect(throws: BarrierError.self) { _ = try await store.barrier.get("tenants/acme") }
        // Every row deleted: not taken for a new store.
        for key in try await store.backend.list(prefix: "") { try await store.backend.delete(key) }
        await #expect(throws: BarrierError.recordMissing(key: StorageScope.storeRootKey)) { try await store.barrier.openIndex() }
    }
}
