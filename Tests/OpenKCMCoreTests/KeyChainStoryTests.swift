import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

/// Walks the key chain the way an operator and a service would.
@Suite struct KeyChainStoryTests {
    static func bytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test func rotateRollBackAndRaiseTheMinimumDecryptionVersion() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        let payments = service("payments")
        let context = try EncryptionContext(["table": "orders"])

        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(payments, tenant: acme)

        // L4s under L2.1 v1 (through L3 v1), then under v2, v3, v4: each L2.1
        // rotation is followed by an L3 rotation so new L4s sit under it.
        var blobs: [UInt32: [(wrapped: Data, key: [UInt8])]] = [:]
        for l21 in UInt32(1)...4 {
            if l21 > 1 {
                #expect(try await chain.rotateTenantKey(acme) == l21)
                #expect(try await chain.rotateServiceKey(payments, tenant: acme) == l21)
            }
            let ring = try await chain.serviceKeyRing(payments, tenant: acme)
            #expect(ring.serviceKeys.version(l21)?.parentVersion == l21)
            for _ in 0..<5 {
                let dataKey = try await chain.generateDataKey(tenant: acme, service: payments, context: context)
                #expect(dataKey.serviceKeyVersion == l21)
                blobs[l21, default: []].append((dataKey.wrapped, Self.bytes(dataKey.key)))
            }
        }
        #expect(try await chain.tenantKeyRing(acme).tenantKeys.currentVersion == 4)

        // Everything opens after three rotations.
        for (_, entries) in blobs {
            for entry in entries {
                let key = try await chain.unwrapDataKey(entry.wrapped, tenant: acme, service: payments, context: context)
                #expect(Self.bytes(key) == entry.key)
            }
        }

        // Roll the tenant key back to v3: the next L3 version is wrapped by v3.
        try await chain.rollbackTenantKey(acme, to: 3)
        #expect(try await chain.tenantKeyRing(acme).tenantKeys.currentVersion == 3)
        let l3v5 = try await chain.rotateServiceKey(payments, tenant: acme)
        #expect(try await chain.serviceKeyRing(payments, tenant: acme).serviceKeys.version(l3v5)?.parentVersion == 3)

        // Raise the minimum decryption version to 3: what hangs under v1 and v2 is refused.
        try await chain.setTenantMinimumDecryptionVersion(acme, 3)
        for l21 in UInt32(1)...2 {
            for entry in blobs[l21] ?? [] {
                await #expect(throws: KeyChainError.belowMinimumDecryptionVersion(layer: .l2_1, version: l21, minimum: 3)) {
                    _ = try await chain.unwrapDataKey(entry.wrapped, tenant: acme, service: payments, context: context)
                }
            }
        }
        for l21 in UInt32(3)...4 {
            for entry in blobs[l21] ?? [] {
                #expect(Self.bytes(try await chain.unwrapDataKey(entry.wrapped, tenant: acme, service: payments, context: context)) == entry.key)
            }
        }
        // Rolling back below the minimum, or raising it past current, is refused.
        await #expect(throws: KeyChainError.self) { try await chain.rollbackTenantKey(acme, to: 2) }
        await #expect(throws: KeyChainError.self) { try await chain.setTenantMinimumDecryptionVersion(acme, 4) }

        // The L3 has its own minimum: raising it to 4 refuses L4s under L3 v3.
        try await chain.setServiceMinimumDecryptionVersion(payments, tenant: acme, 4)
        for entry in blobs[3] ?? [] {
            await #expect(throws: KeyChainError.belowMinimumDecryptionVersion(layer: .l3, version: 3, minimum: 4)) {
                _ = try await chain.unwrapDataKey(entry.wrapped, tenant: acme, service: payments, context: context)
            }
        }

        // A restarted server (same storage, same L1) reaches the same answers.
        let restarted = fixture.restarted()
        for entry in blobs[4] ?? [] {
            #expect(Self.bytes(try await restarted.unwrapDataKey(entry.wrapped, tenant: acme, service: payments, context: context)) == entry.key)
        }
        // The nearest layer that refuses is named: L3 v1 is below the L3 minimum 4.
        await #expect(throws: KeyChainError.belowMinimumDecryptionVersion(layer: .l3, version: 1, minimum: 4)) {
            _ = try await restarted.unwrapDataKey(blobs[1]![0].wrapped, tenant: acme, service: payments, context: context)
        }
    }

    @Test func rewrappingServiceKeysLetsOldTenantKeysRetireWithoutLoss() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        let payments = service("payments")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(payments, tenant: acme)
        let old = try await chain.generateDataKey(tenant: acme, service: payments)
        try await chain.rotateTenantKey(acme)
        try await chain.rotateTenantKey(acme)

        let result = try await chain.rewrapServiceKeys(acme)
        #expect(result.rewrapped == 1 && result.skipped == 0)
        #expect(try await chain.serviceKeyRing(payments, tenant: acme).serviceKeys.version(1)?.parentVersion == 3)

        try await chain.setTenantMinimumDecryptionVersion(acme, 3)
        try await chain.transitionTenantKey(acme, version: 1, to: .deactivated)
        try await chain.transitionTenantKey(acme, version: 1, to: .destroyed)
        #expect(try await chain.tenantKeyRing(acme).tenantKeys.version(1)?.wrapped == nil)
        let key = try await chain.unwrapDataKey(old.wrapped, tenant: acme, service: payments)
        #expect(Self.bytes(key) == Self.bytes(old.key))
    }

    @Test func keyStatesGateWrapAndUnwrap() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        let audit = service("audit")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(audit, tenant: acme)
        let v1 = try await chain.generateDataKey(tenant: acme, service: audit)
        try await chain.rotateServiceKey(audit, tenant: acme)

        // The current version cannot be deactivated; an old one can, and still unwraps.
        await #expect(throws: KeyChainError.currentVersionProtected(layer: .l3, version: 2)) {
            try await chain.transitionServiceKey(audit, tenant: acme, version: 2, to: .deactivated)
        }
        try await chain.transitionServiceKey(audit, tenant: acme, version: 1, to: .deactivated)
        _ = try await chain.unwrapDataKey(v1.wrapped, tenant: acme, service: audit)
        await #expect(throws: KeyChainError.invalidRollback(layer: .l3, version: 1, reason: "it is deactivated")) {
            try await chain.rollbackServiceKey(audit, tenant: acme, to: 1)
        }
        await #expect(throws: KeyChainError.invalidStateTransition(layer: .l3, version: 1, from: .deactivated, to: .active)) {
            try await chain.transitionServiceKey(audit, tenant: acme, version: 1, to: .active)
        }

        // Compromised keys neither wrap nor unwrap.
        try await chain.transitionServiceKey(audit, tenant: acme, version: 1, to: .compromised)
        await #expect(throws: KeyChainError.keyStateForbids(layer: .l3, version: 1, state: .compromised, operation: "unwrap")) {
            _ = try await chain.unwrapDataKey(v1.wrapped, tenant: acme, service: audit)
        }

        // A deactivated service unwraps but wraps nothing new.
        let v2 = try await chain.generateDataKey(tenant: acme, service: audit)
        try await chain.deactivateService(audit, tenant: acme)
        _ = try await chain.unwrapDataKey(v2.wrapped, tenant: acme, service: audit)
        await #expect(throws: KeyChainError.keyStateForbids(layer: .l3, version: 2, state: .deactivated, operation: "wrap")) {
            _ = try await chain.generateDataKey(tenant: acme, service: audit)
        }

        // Destroyed: the records are gone and nothing opens.
        try await chain.destroyService(audit, tenant: acme)
        await #expect(throws: KeyChainError.serviceNotFound(acme, audit)) {
            _ = try await chain.unwrapDataKey(v2.wrapped, tenant: acme, service: audit)
        }
        #expect(try await fixture.storage.get("services/acme/audit") == nil)
    }

    @Test func destroyingATenantShredsEveryRecord() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createTenant(tenant("globex"), l1: fixture.l1.reference)
        for name in ["a", "b", "c"] { try await chain.createService(service(name), tenant: acme) }
        let blob = try await chain.generateDataKey(tenant: acme, service: service("a"))
        try await chain.destroyTenant(acme)
        #expect(try await fixture.storage.list(prefix: "services/acme/").isEmpty)
        #expect(try await fixture.storage.get("tenants/acme") == nil)
        #expect(try await chain.tenants() == [tenant("globex")])
        await #expect(throws: KeyChainError.tenantNotFound(acme)) {
            _ = try await chain.unwrapDataKey(blob.wrapped, tenant: acme, service: service("a"))
        }
        // Recreating the id makes a new chain; the old blob stays unreadable.
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createService(service("a"), tenant: acme)
        await #expect(throws: KeyChainError.foreignKey(layer: .l3)) {
            _ = try await chain.unwrapDataKey(blob.wrapped, tenant: acme, service: service("a"))
        }
    }

    @Test func killSwitchLocksAndTheL1ControlsUnlock() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let acme = tenant("acme")
        let payments = service("payments")
        try await chain.createTenant(acme, l1: fixture.l1.reference)
        try await chain.createTenant(tenant("globex"), l1: fixture.l1.reference)
        try await chain.createService(payments, tenant: acme)
        try await chain.createService(payments, tenant: tenant("globex"))
        let blob = try await chain.generateDataKey(tenant: acme, service: payments)

        chain.lockTenant(acme, reason: "L1 unlinked")
        #expect(!chain.isUnsealed(acme))
        await #expect(throws: KeyChainError.tenantLocked(acme, reason: "L1 unlinked")) {
            _ = try await chain.unwrapDataKey(blob.wrapped, tenant: acme, service: payments)
        }
        await #expect(throws: KeyChainError.tenantLocked(acme, reason: "L1 unlinked")) {
            try await chain.rotateTenantKey(acme)
        }
        _ = try await chain.generateDataKey(tenant: tenant("globex"), service: payments)

        // The customer disables the L1; unlocking alone does not bring access back.
        fixture.l1.setStatus(.disabled(reason: "customer"))
        chain.unlockTenant(acme)
        await #expect(throws: KeystoreError.disabled(fixture.l1.reference)) {
            _ = try await chain.unwrapDataKey(blob.wrapped, tenant: acme, service: payments)
        }
        // The refused L1 call locked the tenant; the next status check sees the key back and lifts it.
        #expect(chain.lockCause(acme) == .provider)
        fixture.l1.setStatus(.enabled)
        #expect(try await chain.refreshL1Status(acme) == .unlocked)
        _ = try await chain.unwrapDataKey(blob.wrapped, tenant: acme, service: payments)
        #expect(chain.isUnsealed(acme))
    }

    @Test func badInputIsRefusedWithTypedErrors() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        for bad in ["", "-lead", "has/slash", "has space", String(repeating: "a", count: 65), "naïve"] {
            #expect(throws: KeyChainError.self) { try TenantID(bad) }
            #expect(throws: KeyChainError.self) { try ServiceID(bad) }
        }
        await #expect(throws: KeyChainError.tenantNotFound(tenant("nobody"))) {
            _ = try await chain.generateDataKey(tenant: tenant("nobody"), service: service("x"))
        }
        try await chain.createTenant(tenant("acme"), l1: fixture.l1.reference)
        await #expect(throws: KeyChainError.tenantAlreadyExists(tenant("acme"))) {
            try await chain.createTenant(tenant("acme"), l1: fixture.l1.reference)
        }
        await #expect(throws: KeystoreError.unknownKeystore(KeystoreReference(provider: "aws-kms", key: "x"))) {
            try await chain.createTenant(tenant("initech"), l1: KeystoreReference(provider: "aws-kms", key: "x"))
        }
        await #expect(throws: KeyChainError.serviceNotFound(tenant("acme"), service("x"))) {
            _ = try await chain.generateDataKey(tenant: tenant("acme"), service: service("x"))
        }
        try await chain.createService(service("x"), tenant: tenant("acme"))
        await #expect(throws: EnvelopeError.self) {
            _ = try await chain.unwrapDataKey(Data([1, 2, 3]), tenant: tenant("acme"), service: service("x"))
        }
        await #expect(throws: EnvelopeError.invalidKeyLength(length: 16, expected: 32)) {
            _ = try await chain.wrapDataKey(SymmetricKey(size: .bits128), tenant: tenant("acme"), service: service("x"))
        }
    }

    @Test func concurrentUseIsConsistent() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let tenants = (0..<4).map { tenant("t\($0)") }
        for t in tenants {
            try await chain.createTenant(t, l1: fixture.l1.reference)
            try await chain.createService(service("s"), tenant: t)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in tenants {
                group.addTask {
                    for _ in 0..<5 { try await chain.rotateServiceKey(service("s"), tenant: t) }
                }
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<50 {
                            let dataKey = try await chain.generateDataKey(tenant: t, service: service("s"))
                            let opened = try await chain.unwrapDataKey(dataKey.wrapped, tenant: t, service: service("s"))
                            #expect(Self.bytes(opened) == Self.bytes(dataKey.key))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for t in tenants {
            #expect(try await chain.serviceKeyRing(service("s"), tenant: t).serviceKeys.currentVersion == 6)
        }
    }
}
