import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's compromise of an L2.1 version: every L3 version it wrapped is
/// moved to the current one (counted), it is rotated away from when current,
/// it never wraps or unwraps again, and every data key made before it still
/// opens, also after a restart (nothing cached carries it).
@Suite struct TenantKeyCompromiseTests {
    @Test func aCompromisedL21VersionRewrapsItsL3sAndOldDataKeysStillOpen() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let (shares, root) = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        let (payments, ledger) = (try ServiceID("payments"), try ServiceID("ledger"))
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        try await keyChain.createService(ledger, tenant: acme)
        // Data keys under L3 v1 of both services, wrapped by L2.1 v1.
        var made: [(ServiceID, DataKey)] = []
        for service in [payments, ledger] { made.append((service, try await keyChain.generateDataKey(tenant: acme, service: service))) }
        try await keyChain.rotateTenantKey(acme)
        try await keyChain.rotateServiceKey(payments, tenant: acme)
        made.append((payments, try await keyChain.generateDataKey(tenant: acme, service: payments)))

        try await harness.application(core).test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/keys/1/compromise", token: root)
            #expect(answer.status == 200, "\(answer.json)")
            let result = try #require(answer["compromise"] as? [String: Any])
            #expect(result["rewrappedServiceKeys"] as? Int == 2 && result["skippedServiceKeys"] as? Int == 0 && result["rotatedTo"] == nil, "\(result)")
            // Compromising it again is not a transition KMIP allows.
            #expect(try await client.call(.post, "/v1/tenants/acme/keys/1/compromise", token: root).string("code") == "keychain.invalid_state_transition")
            #expect(try await client.call(.post, "/v1/tenants/acme/keys/x/compromise", token: root).status == 400)
        }
        let ring = try await keyChain.tenantKeyRing(acme).tenantKeys
        #expect(ring.version(1)?.state == .compromised)
        for service in [payments, ledger] {
            let l3 = try await keyChain.serviceKeyRing(service, tenant: acme).serviceKeys
            #expect(l3.versions.allSatisfy { $0.parentVersion == 2 }, "\(service): every L3 version is under L2.1 v2 now")
        }
        // The current version compromised: rotated away from first, everything moved to v3.
        let current = try await keyChain.compromiseTenantKey(acme, version: 2)
        #expect(current.rotatedTo == 3 && current.rewrappedServiceKeys == 3)

        // A restarted core (nothing in memory) opens every data key made before the compromises.
        let restarted = try await harness.makeCore()
        for share in shares { _ = try await restarted.submitShare(share) }
        for (service, dataKey) in made {
            let opened = try await restarted.unsealed().keyChain.unwrapDataKey(dataKey.wrapped, tenant: acme, service: service)
            #expect(opened == dataKey.key)
        }
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains("\"operation\":\"tenant-key.compromise\"") && audit.contains("2 L3 versions rewrapped"))
    }

    @Test func aCompromiseThatWouldStrandL3VersionsIsRefusedUnlessForced() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let (acme, ledger) = (try TenantID("acme"), try ServiceID("ledger"))
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(ledger, tenant: acme)
        try await keyChain.rotateTenantKey(acme)
        try await keyChain.rotateServiceKey(ledger, tenant: acme)
        // Ledger's L3 v1 (under L2.1 v1) no longer opens: moving it off v1 is impossible.
        try await keyChain.setServiceMinimumDecryptionVersion(ledger, tenant: acme, 2)
        await #expect(throws: KeyChainError.compromiseStrandsKeys(version: 1, count: 1)) {
            _ = try await keyChain.compromiseTenantKey(acme, version: 1)
        }
        #expect(try await keyChain.tenantKeyRing(acme).tenantKeys.version(1)?.state == .active, "a refusal changes nothing")
        let forced = try await keyChain.compromiseTenantKey(acme, version: 1, force: true)
        #expect(forced.skippedServiceKeys == 1 && forced.rewrappedServiceKeys == 0)
        #expect(try await keyChain.tenantKeyRing(acme).tenantKeys.version(1)?.state == .compromised)
    }
}
