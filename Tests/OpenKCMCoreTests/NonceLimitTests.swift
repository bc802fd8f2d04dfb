import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

/// Random GCM nonces are counted per L3 version, and a version that reaches
/// its budget is rotated by itself, across restarts too.
@Suite struct NonceLimitTests {
    @Test func anL3VersionNeverWrapsMoreThanItsBudget() async throws {
        let storage = InMemoryStorage()
        let masterKey = MasterKey.generate()
        let l1 = SoftwareKeystore(name: "l1")
        let limits = NonceLimits(wrapsPerVersion: 32, wrapsPerLease: 8)
        func makeChain() -> KeyChain {
            let barrier = SealedStorage(backend: storage)
            barrier.unseal(with: masterKey)
            return KeyChain(storage: barrier, keystores: KeystoreRegistry([l1]), nonceLimits: limits)
        }
        let chain = makeChain()
        let acme = tenant("acme")
        let payments = service("payments")
        try await chain.createTenant(acme, l1: l1.reference)
        try await chain.createService(payments, tenant: acme)

        var blobs: [Data] = []
        try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<100 {
                group.addTask { try await chain.generateDataKey(tenant: acme, service: payments).wrapped }
            }
            for try await blob in group { blobs.append(blob) }
        }
        var ring = try await chain.serviceKeyRing(payments, tenant: acme).serviceKeys
        #expect(ring.versions.count == 4, "100 wraps at 32 per version need 4 versions")
        #expect(ring.versions.allSatisfy { ($0.reservedWraps ?? 0) <= 32 })
        for blob in blobs { _ = try await chain.unwrapDataKey(blob, tenant: acme, service: payments) }

        // A restarted server reserves a fresh block: unused reservations count as used.
        let restarted = makeChain()
        for _ in 0..<20 { _ = try await restarted.generateDataKey(tenant: acme, service: payments) }
        ring = try await restarted.serviceKeyRing(payments, tenant: acme).serviceKeys
        let total = ring.versions.reduce(UInt64(0)) { $0 + ($1.reservedWraps ?? 0) }
        #expect(total >= 120)
        #expect(ring.versions.allSatisfy { ($0.reservedWraps ?? 0) <= 32 })
    }
}
