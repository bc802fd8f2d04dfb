import Foundation
import NIOHTTP1
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMAWSKMS
import OpenKCMTransit
import Testing

/// Issue 21's L1 rotation at the provider, against the real OpenBao: the
/// customer rotates their transit key, the schedule notices and wraps the L2
/// again under the new version; the customer then retires the old version
/// (`min_decryption_version`) and the tenant keeps working, from a cold start too.
@Suite struct L1RotationTests {
    @Test func aTransitKeyRotatedAtTheProviderIsFollowedAndTheOldVersionCanBeRetired() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let (acme, payments) = (try TenantID("acme"), try ServiceID("payments"))
        let l1 = KeystoreReference(provider: "globex-bao", key: peers.baoKey)
        try await keyChain.createTenant(acme, l1: l1)
        try await keyChain.createService(payments, tenant: acme)
        let dataKey = try await keyChain.generateDataKey(tenant: acme, service: payments)
        func wrappedWith() async throws -> String {
            String(decoding: try await keyChain.tenantKeyRing(acme).wrappedRoot.prefix(9), as: UTF8.self)
        }
        #expect(try await wrappedWith() == "vault:v1:")
        let scheduler = RotationScheduler(operations: Operations(core: core))
        _ = await scheduler.checkOnce()
        #expect(try await wrappedWith() == "vault:v1:", "nothing rotated at the provider yet")

        _ = try await peers.transit.call(.POST, "transit/keys/\(peers.baoKey)/rotate", [:], reference: l1)
        _ = await scheduler.checkOnce()
        #expect(try await wrappedWith() == "vault:v2:")

        _ = try await peers.transit.call(.POST, "transit/keys/\(peers.baoKey)/config", ["min_decryption_version": 2], reference: l1)
        keyChain.evictAll()
        #expect(try await keyChain.unwrapDataKey(dataKey.wrapped, tenant: acme, service: payments) == dataKey.key)
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains("\"operation\":\"l1.rewrap\"") && audit.contains("L1 version 2"), "\(audit.suffix(600))")
    }

    /// AWS KMS, against moto: the customer rotates the key's material (RotateKeyOnDemand; automatic
    /// rotation lists the same way); AWS ciphertext does not name its material, so the key chain
    /// notes the rotation count at each wrap, notices the new rotation in ListKeyRotations and wraps
    /// the L2 again; the data keys still open.
    @Test func anAWSKeyRotatedAtTheProviderIsFollowed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let (acme, payments) = (try TenantID("acme"), try ServiceID("payments"))
        let l1 = KeystoreReference(provider: "acme-aws", key: peers.awsKey)
        try await keyChain.createTenant(acme, l1: l1)
        try await keyChain.createService(payments, tenant: acme)
        let dataKey = try await keyChain.generateDataKey(tenant: acme, service: payments)
        #expect(try await keyChain.tenantKeyRing(acme).l1Version == "0")
        #expect(try await keyChain.l1VersionBehind(acme) == nil)
        let before = try await keyChain.tenantKeyRing(acme).wrappedRoot

        _ = try await peers.aws.call("RotateKeyOnDemand", ["KeyId": peers.awsKey], reference: l1)
        #expect(try await keyChain.l1VersionBehind(acme) == "1")
        _ = await RotationScheduler(operations: Operations(core: core)).checkOnce()
        let after = try await keyChain.tenantKeyRing(acme)
        #expect(after.l1Version == "1" && after.wrappedRoot != before, "the L2 was not wrapped again")
        #expect(try await keyChain.l1VersionBehind(acme) == nil)
        keyChain.evictAll()
        #expect(try await keyChain.unwrapDataKey(dataKey.wrapped, tenant: acme, service: payments) == dataKey.key)
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains("\"operation\":\"l1.rewrap\"") && audit.contains("L1 version 1"), "\(audit.suffix(600))")
    }
}
