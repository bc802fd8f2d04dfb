import Crypto
import Foundation
import Synchronization
import Testing
import OpenKCMCore
import OpenKCMTestSupport

/// The kill switch and sealing win every race and refuse every operation.
@Suite struct KillSwitchAndSealTests {
    /// A keystore that lets a test act while an L1 call is in flight.
    final class InterceptingKeystore: Keystore {
        let inner: SoftwareKeystore
        let onWrap = Mutex<(@Sendable () -> Void)?>(nil)
        var reference: KeystoreReference { inner.reference }
        init(_ inner: SoftwareKeystore) { self.inner = inner }
        func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
            onWrap.withLock { $0 }?()
            return try await inner.wrap(key, context: context)
        }
        func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
            try await inner.unwrap(wrapped, context: context)
        }
        func status() async -> KeystoreStatus { await inner.status() }
    }

    @Test func aLockLandingDuringCreateTenantWins() async throws {
        let keystore = InterceptingKeystore(SoftwareKeystore(name: "l1"))
        let barrier = SealedStorage(backend: InMemoryStorage())
        barrier.unseal(with: .generate())
        let chain = KeyChain(storage: barrier, keystores: KeystoreRegistry([keystore]))
        let acme = tenant("acme")
        keystore.onWrap.withLock { $0 = { chain.lockTenant(acme, reason: "customer pulled the plug") } }
        await #expect(throws: KeyChainError.tenantLocked(acme, reason: "customer pulled the plug")) {
            try await chain.createTenant(acme, l1: keystore.reference)
        }
        #expect(!chain.isUnsealed(acme))
    }

    @Test func aLockedOrUnlinkedTenantRefusesEveryChange() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        let audit = service("audit")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(audit, tenant: acme)
        try await chain.rotateServiceKey(audit, tenant: acme)

        for lock in ["memory", "unlink"] {
            if lock == "memory" { chain.lockTenant(acme, reason: "test") } else { try await chain.unlinkL1(acme) }
            let restarted = fixture.restarted()
            for target in lock == "memory" ? [chain] : [chain, restarted] {
                let changes: [@Sendable () async throws -> Void] = [
                    { try await target.setTenantMinimumDecryptionVersion(acme, 1) },
                    { try await target.rollbackTenantKey(acme, to: 1) },
                    { try await target.transitionTenantKey(acme, version: 1, to: .compromised) },
                    { try await target.rotateTenantKey(acme) },
                    { try await target.createService(service("new"), tenant: acme) },
                    { try await target.rotateServiceKey(audit, tenant: acme) },
                    { try await target.transitionServiceKey(audit, tenant: acme, version: 1, to: .deactivated) },
                    { try await target.setServiceMinimumDecryptionVersion(audit, tenant: acme, 2) },
                    { try await target.deactivateService(audit, tenant: acme) },
                    { try await target.destroyService(audit, tenant: acme) },
                    { _ = try await target.generateDataKey(tenant: acme, service: audit) },
                ]
                for change in changes {
                    do {
                        try await change()
                        Issue.record("a change to a \(lock)-locked tenant went through")
                    } catch let error as KeyChainError {
                        guard case .tenantLocked = error else {
                            Issue.record("unexpected \(error)")
                            continue
                        }
                    }
                }
            }
            if lock == "memory" { chain.unlockTenant(acme) } else { try await chain.linkL1(acme, to: fixture.l1.reference) }
            _ = try await chain.generateDataKey(tenant: acme, service: audit)
        }
    }

    @Test func sealingStopsDataKeyOperationsAlreadyInMemory() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        try await chain.createTenant(tenant("acme"), l1: fixture.l1.reference)
        try await chain.createService(service("s"), tenant: tenant("acme"))
        let dataKey = try await chain.generateDataKey(tenant: tenant("acme"), service: service("s"))
        fixture.barrier.seal()
        await #expect(throws: BarrierError.sealed) { _ = try await chain.generateDataKey(tenant: tenant("acme"), service: service("s")) }
        await #expect(throws: BarrierError.sealed) { _ = try await chain.unwrapDataKey(dataKey.wrapped, tenant: tenant("acme"), service: service("s")) }
    }

    @Test func memoryFollowsTheStoredRulesWhenTheMinimumIsLowered() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.rotateTenantKey(acme)
        try await chain.rotateTenantKey(acme)
        try await chain.setTenantMinimumDecryptionVersion(acme, 3)
        chain.evictTenant(acme)
        try await chain.createService(service("a"), tenant: acme)  // reloads with v1, v2 refused
        try await chain.setTenantMinimumDecryptionVersion(acme, 1)
        try await chain.rollbackTenantKey(acme, to: 1)
        let created = try await chain.createService(service("b"), tenant: acme)
        #expect(created.serviceKeys.version(1)?.parentVersion == 1)
    }

    @Test func compromisingTheCurrentVersionRotatesFirst() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(service("s"), tenant: acme)
        let before = try await chain.generateDataKey(tenant: acme, service: service("s"))

        try await chain.transitionServiceKey(service("s"), tenant: acme, version: 1, to: .compromised)
        let ring = try await chain.serviceKeyRing(service("s"), tenant: acme).serviceKeys
        #expect(ring.currentVersion == 2 && ring.version(1)?.state == .compromised)
        #expect(try await chain.generateDataKey(tenant: acme, service: service("s")).serviceKeyVersion == 2)
        await #expect(throws: KeyChainError.keyStateForbids(layer: .l3, version: 1, state: .compromised, operation: "unwrap")) {
            _ = try await chain.unwrapDataKey(before.wrapped, tenant: acme, service: service("s"))
        }

        try await chain.transitionTenantKey(acme, version: 1, to: .compromised)
        let tenantRing = try await chain.tenantKeyRing(acme).tenantKeys
        #expect(tenantRing.currentVersion == 2 && tenantRing.version(1)?.state == .compromised)
    }
}
