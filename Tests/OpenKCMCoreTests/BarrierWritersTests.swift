import Foundation
import Synchronization
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// Two barriers over one store, as two server processes on one database will
/// be: each commits only on top of the store root it read, so neither
/// overwrites the other's index, and each reads the other's records instead
/// of taking them for a rollback. A record put back under both is still refused.
@Suite struct BarrierWritersTests {
    let backend = InMemoryStorage()
    let masterKey = MasterKey.generate()

    func node() -> SealedStorage {
        let barrier = SealedStorage(backend: backend)
        barrier.unseal(with: masterKey)
        return barrier
    }

    @Test func eachWriterReadsTheOthersRecordsAndLosesNoIndexEntry() async throws {
        let (a, b) = (node(), node())
        try await a.put("tenants/acme", value: Data("a1".utf8))
        #expect(try await b.get("tenants/acme") == Data("a1".utf8))
        // Both have the index cached; each changes what the other has cached.
        try await b.put("tenants/acme", value: Data("b2".utf8))
        #expect(try await a.get("tenants/acme") == Data("b2".utf8))
        try await a.delete("tenants/acme")
        #expect(try await b.get("tenants/acme") == nil)
        try await b.put("services/acme/payments", value: Data("s".utf8))
        #expect(try await a.list(prefix: "services/acme/") == ["services/acme/payments"])

        // Interleaved writers, 2 x 50 records in one tenant's scope: all 100 indexed, every one readable from both.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, writer) in [("a", a), ("b", b)] {
                group.addTask {
                    for index in 0..<50 { try await writer.put("kmip/objects/acme/payments/\(name)\(index)", value: Data([UInt8(index)])) }
                }
            }
            try await group.waitForAll()
        }
        for reader in [a, b, node()] {
            #expect(try await reader.list(prefix: "kmip/objects/acme/").count == 100)
            #expect(try await reader.get("kmip/objects/acme/payments/a49") == Data([49]))
        }
    }

    @Test func aRecordPutBackIsStillRefusedByEveryWriter() async throws {
        let (a, b) = (node(), node())
        try await a.put("identities/app", value: Data("live".utf8))
        let old = try #require(try await backend.get("identities/app"))
        try await b.put("identities/app", value: Data("revoked".utf8))
        _ = try await a.get("identities/app")
        try await backend.put("identities/app", value: old)
        for reader in [a, b] {
            await #expect(throws: BarrierError.self) { try await reader.get("identities/app") }
        }
    }

    /// A transaction that listed a prefix and deletes what it found runs again
    /// when another writer added a record under the prefix meanwhile: nothing survives it.
    @Test func aListingChangedMeanwhileRunsTheTransactionAgain() async throws {
        let (a, b) = (node(), node())
        try await a.put("kmip/objects/acme/payments/1", value: Data([1]))
        let runs = Atomic<Int>(0)
        try await a.transaction {
            let run = runs.add(1, ordering: .relaxed).newValue
            let listed = try await a.list(prefix: "kmip/objects/acme/")
            if run == 1 { try await b.put("kmip/objects/acme/payments/2", value: Data([2])) }
            try await a.write(listed.map { .delete(key: $0) })
        }
        #expect(runs.load(ordering: .relaxed) == 2)
        #expect(try await b.list(prefix: "kmip/objects/acme/").isEmpty)
    }

    /// A record another writer deleted, put back by someone with write access
    /// to the store while this node still has the old index cached: a
    /// transaction's read checks the store root first and refuses it.
    @Test func aRowPutBackBehindAStaleCacheIsRefusedInATransaction() async throws {
        let (a, b) = (node(), node())
        try await a.put("subjects/acme/payments/n", value: Data("secret".utf8))
        let old = try #require(try await backend.get("subjects/acme/payments/n"))
        #expect(try await a.get("subjects/acme/payments/n") == Data("secret".utf8))
        try await b.delete("subjects/acme/payments/n")
        try await backend.put("subjects/acme/payments/n", value: old)
        await #expect(throws: BarrierError.recordUnexpected(key: "subjects/acme/payments/n")) {
            try await a.transaction { try await a.get("subjects/acme/payments/n") }
        }
    }
}
