import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import OpenKCMCore
import OpenKCMServer
import Testing

/// How a regional core makes a governance snapshot true in its own store
/// (in process, no governance plane): only a tombstone shreds; a tenant the
/// snapshot stops listing without one is kept but not served; a service
/// destroyed while its tenant is unlinked is shredded as soon as it is linked
/// again, before it serves anything.
@Suite struct RegionSnapshotApplyTests {
    static let eu = try! RegionID("eu-central")
    static let us = try! RegionID("us-east")

    static func snapshot(_ generation: UInt64, l1: KeystoreReference?, services: [(String, RegionID)], destroyed: [GovernanceTombstone] = []) throws -> RegionSnapshot {
        let acme = try TenantID("acme")
        let tenant = GovernanceTenant(id: acme, l1: l1, createdAt: Date(), change: "change-\(generation)")
        let entries = try services.map { GovernanceService(tenant: acme, id: try ServiceID($0.0), region: $0.1, createdAt: Date(), change: "made-\($0.0)") }
        return RegionSnapshot(governance: "governance-1", region: eu, generation: generation,
                              tenants: entries.contains { $0.region == eu } ? [.init(tenant: tenant, services: entries)] : [], destroyed: destroyed)
    }

    @Test func onlyATombstoneShredsAndAnUnlistedTenantIsKeptButNotServed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        // Four-eyes on: the governance plane's changes were approved there, and apply here without asking again.
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores,
                                        auditLog: AuditLogFile(path: harness.auditPath), plane: .crypto, region: Self.eu,
                                        approvalPolicy: ApprovalPolicy(required: 2))
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let operations = Operations(core: core)
        let keyChain = try core.unsealed().keyChain
        let logger = Logger(label: "test")
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        let reports = try ServiceID("reports")
        #expect(keyChain.regionGateReason == KeyChain.notYetGoverned, "closed from the unseal")
        keyChain.openRegionGate()

        // Made in this region: the tenant's regional L2 and the L3 of its service here, not of the one elsewhere.
        let first = try Self.snapshot(1, l1: harness.l1.reference, services: [("payments", Self.eu), ("reports", Self.us)])
        #expect(await operations.applyRegionSnapshot(first, logger: logger).failures.isEmpty)
        #expect(try await keyChain.services(of: acme) == [payments])
        let blob = try await keyChain.generateDataKey(tenant: acme, service: payments).wrapped
        await #expect(throws: KeyChainError.serviceInOtherRegion(acme, reports, region: Self.us)) {
            _ = try await keyChain.generateDataKey(tenant: acme, service: reports)
        }

        // Not listed any more, and no tombstone says why: kept, not served; listed again, served again.
        #expect(await operations.applyRegionSnapshot(try Self.snapshot(2, l1: harness.l1.reference, services: []), logger: logger).failures.isEmpty)
        #expect(keyChain.lockCause(acme) == .ungoverned)
        await #expect(throws: KeyChainError.self) { _ = try await keyChain.unwrapDataKey(blob, tenant: acme, service: payments) }
        #expect(try await keyChain.services(of: acme) == [payments], "nothing was shredded")
        _ = await operations.applyRegionSnapshot(first, logger: logger)
        _ = try await keyChain.unwrapDataKey(blob, tenant: acme, service: payments)

        // Unlinked, and its service destroyed meanwhile: locked at once; the service waits for the relink...
        let tombstone = GovernanceTombstone(tenant: acme, service: payments, destroyedAt: Date(), change: "shred", regions: [Self.eu])
        let unlinked = try Self.snapshot(3, l1: nil, services: [("reports", Self.us), ("other", Self.eu)], destroyed: [tombstone])
        let (failures, revocations) = await operations.applyRegionSnapshot(unlinked, logger: logger)
        #expect(failures.isEmpty && revocations == 0, "\(failures)")
        #expect(keyChain.lockCause(acme) == .unlinked)
        #expect(try await keyChain.services(of: acme) == [payments])
        // ...and is shredded as the tenant is linked again, before anything of it is served.
        let relinked = try Self.snapshot(4, l1: harness.l1.reference, services: [("reports", Self.us), ("other", Self.eu)], destroyed: [tombstone])
        #expect(await operations.applyRegionSnapshot(relinked, logger: logger).failures.isEmpty)
        #expect(try await keyChain.services(of: acme) == [try ServiceID("other")])
        await #expect(throws: KeyChainError.serviceNotFound(acme, payments)) {
            _ = try await keyChain.unwrapDataKey(blob, tenant: acme, service: payments)
        }
        // Every step is audited under the governance change's correlation id.
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains("\"shred\"") && audit.contains("change-3") && audit.contains("made-payments"), "\(audit.suffix(2000))")
    }

    /// Rotation policies are the governance plane's: a region sets what the snapshot says on its key
    /// rings, once; an empty policy clears the region's; one never set leaves it; the core refuses to set one itself.
    @Test func rotationPoliciesComeFromTheGovernancePlane() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores,
                                        auditLog: AuditLogFile(path: harness.auditPath), plane: .crypto, region: Self.eu)
        let (_, root) = try await core.initializeShamir(shares: 2, threshold: 2)
        let operations = Operations(core: core)
        let keyChain = try core.unsealed().keyChain
        keyChain.openRegionGate()
        let logger = Logger(label: "test")
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        let tenantPolicy = RotationPolicy(periodSeconds: 30 * 86_400, decryptOnlySeconds: 90 * 86_400)
        let servicePolicy = RotationPolicy(maximumWraps: 1 << 21)
        var snapshot = try Self.snapshot(1, l1: harness.l1.reference, services: [("payments", Self.eu)])
        snapshot.tenants[0].tenant.rotationPolicy = tenantPolicy
        snapshot.tenants[0].services[0].rotationPolicy = servicePolicy
        #expect(await operations.applyRegionSnapshot(snapshot, logger: logger).failures.isEmpty)
        #expect(try await keyChain.tenantKeyRing(acme).rotationPolicy == tenantPolicy)
        #expect(try await keyChain.serviceKeyRing(payments, tenant: acme).rotationPolicy == servicePolicy)
        func policyEntries() throws -> [AuditEntry] {
            try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
                .filter { $0.operation.hasSuffix("-key.policy") && $0.outcome == .success }
        }
        #expect(try policyEntries().map(\.operation) == ["tenant-key.policy", "service-key.policy"])
        #expect(try policyEntries().allSatisfy { $0.correlationID == "change-1" })
        // The same snapshot again: nothing to do, nothing audited.
        #expect(await operations.applyRegionSnapshot(snapshot, logger: logger).failures.isEmpty)
        #expect(try policyEntries().count == 2)
        // Emptied there: cleared here. Never set there: left as it is.
        snapshot.tenants[0].tenant.rotationPolicy = RotationPolicy()
        snapshot.tenants[0].services[0].rotationPolicy = nil
        #expect(await operations.applyRegionSnapshot(snapshot, logger: logger).failures.isEmpty)
        #expect(try await keyChain.tenantKeyRing(acme).rotationPolicy == nil)
        #expect(try await keyChain.serviceKeyRing(payments, tenant: acme).rotationPolicy == servicePolicy)
        // The regional core's own REST refuses to set one.
        try await harness.application(core, plane: .crypto).test(.router) { client in
            for path in ["/v1/tenants/acme/rotation-policy", "/v1/tenants/acme/services/payments/rotation-policy"] {
                let answer = try await client.call(.put, path, token: root, json: ["periodSeconds": 86_400 * 10])
                #expect(answer.status == 421 && answer.string("code") == "plane.governed", "\(answer.json)")
            }
            #expect(try await client.call(.get, "/v1/tenants/acme/rotation-policy", token: root).status == 200)
        }
    }
}
