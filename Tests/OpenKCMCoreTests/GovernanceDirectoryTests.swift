import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

/// The governance plane's records: tenants as references to their L1,
/// services pinned to a region, what one region's core is given, the kill
/// switch as a deleted pointer, and destroyed ids never given again.
@Suite struct GovernanceDirectoryTests {
    static func directory(_ storage: any Storage = InMemoryStorage(), masterKey: MasterKey = .generate()) -> GovernanceDirectory {
        let barrier = SealedStorage(backend: storage)
        barrier.unseal(with: masterKey)
        return GovernanceDirectory(storage: barrier)
    }

    static let eu = try! RegionID("eu-central")  // safe: a valid constant
    static let us = try! RegionID("us-east")  // safe: a valid constant

    @Test func rotationPoliciesTravelInTheSnapshot() async throws {
        let governance = Self.directory()
        try await governance.createTenant(tenant("acme"), l1: KeystoreReference(provider: "customer-bao", key: "acme-root"))
        try await governance.createService(service("payments"), tenant: tenant("acme"), region: Self.eu)
        let before = try await governance.generation()
        #expect(try await governance.snapshot(of: Self.eu).tenants[0].tenant.rotationPolicy == nil, "never set: nothing to apply")
        try await governance.setRotationPolicy(tenant("acme"), RotationPolicy(periodSeconds: 30 * 86_400, decryptOnlySeconds: 90 * 86_400), change: "p1")
        try await governance.setRotationPolicy(service("payments"), tenant: tenant("acme"), RotationPolicy(maximumWraps: 1 << 21), change: "p2")
        let snapshot = try await governance.snapshot(of: Self.eu)
        #expect(snapshot.generation > before)
        #expect(snapshot.tenants[0].tenant.rotationPolicy == RotationPolicy(periodSeconds: 30 * 86_400, decryptOnlySeconds: 90 * 86_400))
        #expect(snapshot.tenants[0].services[0].rotationPolicy == RotationPolicy(maximumWraps: 1 << 21))
        #expect(snapshot.tenants[0].tenant.change == "p2", "a service's policy change is named on its tenant, where regions read it")
        // Checked here as the cores check it: out of range, or a tenant's field on a service.
        await #expect(throws: KeyChainError.self) { try await governance.setRotationPolicy(tenant("acme"), RotationPolicy(periodSeconds: 60)) }
        await #expect(throws: KeyChainError.self) {
            try await governance.setRotationPolicy(service("payments"), tenant: tenant("acme"), RotationPolicy(decryptOnlySeconds: 90 * 86_400))
        }
        await #expect(throws: GovernanceError.self) { try await governance.setRotationPolicy(service("nope"), tenant: tenant("acme"), RotationPolicy()) }
    }

    @Test func aRegionIsGivenItsServicesAndTheirTenantsOnly() async throws {
        let governance = Self.directory()
        let l1 = KeystoreReference(provider: "customer-bao", key: "acme-root")
        try await governance.createTenant(tenant("acme"), l1: l1)
        try await governance.createTenant(tenant("globex"), l1: KeystoreReference(provider: "aws", key: "globex-root"))
        try await governance.createService(service("payments"), tenant: tenant("acme"), region: Self.eu)
        try await governance.createService(service("reports"), tenant: tenant("acme"), region: Self.us)
        try await governance.createService(service("billing"), tenant: tenant("globex"), region: Self.us)

        let europe = try await governance.snapshot(of: Self.eu)
        #expect(europe.tenants.map(\.tenant.id) == [tenant("acme")])
        // All of acme's services, each with its region: the EU core holds payments and can say where reports lives.
        #expect(europe.tenants[0].services.map(\.id) == [service("payments"), service("reports")])
        #expect(europe.tenants[0].services.map(\.region) == [Self.eu, Self.us])
        #expect(europe.tenants[0].tenant.l1 == l1)
        let america = try await governance.snapshot(of: Self.us)
        #expect(america.tenants.map(\.tenant.id) == [tenant("acme"), tenant("globex")])
        #expect(america.tenants.flatMap(\.services).map(\.id) == [service("payments"), service("reports"), service("billing")])
        #expect(america.generation >= europe.generation && europe.generation > 0)
        #expect(try await governance.snapshot(of: RegionID("ap-south")).tenants.isEmpty)

        await #expect(throws: GovernanceError.tenantAlreadyExists(tenant("acme"))) { try await governance.createTenant(tenant("acme"), l1: l1) }
        await #expect(throws: GovernanceError.serviceAlreadyExists(tenant("acme"), service("payments"))) {
            try await governance.createService(service("payments"), tenant: tenant("acme"), region: Self.us)
        }
        await #expect(throws: GovernanceError.tenantNotFound(tenant("nobody"))) {
            try await governance.createService(service("x"), tenant: tenant("nobody"), region: Self.eu)
        }
    }

    @Test func theKillSwitchIsADeletedPointerAndADestroyedIdIsNeverGivenAgain() async throws {
        let governance = Self.directory()
        let l1 = KeystoreReference(provider: "customer-bao", key: "acme-root")
        try await governance.createTenant(tenant("acme"), l1: l1)
        try await governance.createService(service("payments"), tenant: tenant("acme"), region: Self.eu)

        let unlinked = try await governance.unlink(tenant("acme"), change: "req-unlink")
        #expect(unlinked.l1 == nil && unlinked.unlinkedAt != nil)
        #expect(unlinked.change == "req-unlink", "each region audits its lock under the change's correlation id")
        #expect(try await governance.snapshot(of: Self.eu).tenants[0].tenant.l1 == nil, "every region sees the pointer gone")
        await #expect(throws: GovernanceError.notLinked(tenant("acme"))) { try await governance.unlink(tenant("acme")) }
        #expect(try await governance.link(tenant("acme"), l1: l1).l1 == l1)
        await #expect(throws: GovernanceError.alreadyLinked(tenant("acme"))) { try await governance.link(tenant("acme"), l1: l1) }

        try await governance.createService(service("reports"), tenant: tenant("acme"), region: Self.us)
        try await governance.destroyService(service("reports"), tenant: tenant("acme"), change: "req-shred")
        let shredded = try await governance.snapshot(of: Self.us).destroyed
        #expect(shredded.count == 1, "a region shreds what a tombstone names, never what a snapshot lacks")
        #expect(shredded.first == GovernanceTombstone(tenant: tenant("acme"), service: service("reports"), destroyedAt: shredded.first?.destroyedAt ?? Date(),
                                                      change: "req-shred", regions: [Self.us]))
        #expect(try await governance.snapshot(of: Self.eu).destroyed.isEmpty, "another region's tombstones are not this region's business")
        await #expect(throws: GovernanceError.serviceDestroyed(tenant("acme"), service("reports"))) {
            try await governance.createService(service("reports"), tenant: tenant("acme"), region: Self.eu)
        }

        try await governance.destroyTenant(tenant("acme"), change: "req-destroy")
        await #expect(throws: GovernanceError.tenantNotFound(tenant("acme"))) { try await governance.tenant(tenant("acme")) }
        #expect(try await governance.services(of: tenant("acme")).isEmpty)
        let afterDestroy = try await governance.snapshot(of: Self.eu)
        #expect(afterDestroy.tenants.isEmpty)
        #expect(afterDestroy.destroyed.filter { $0.service == nil }.map(\.tenant) == [tenant("acme")])
        #expect(afterDestroy.destroyed.first { $0.service == nil }?.change == "req-destroy")
        #expect(afterDestroy.destroyed.first { $0.service == nil }?.regions == [Self.eu, Self.us], "every region that held its keys is told")
        await #expect(throws: GovernanceError.tenantDestroyed(tenant("acme"))) { try await governance.createTenant(tenant("acme"), l1: l1) }
    }

    @Test func twoReplicasCreatingOneServiceAtOnceMakeOne() async throws {
        let storage = InMemoryStorage()
        let masterKey = MasterKey.generate()
        let first = Self.directory(storage, masterKey: masterKey)
        let second = Self.directory(storage, masterKey: masterKey)
        try await first.createTenant(tenant("acme"), l1: KeystoreReference(provider: "customer-bao", key: "acme-root"))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for (index, replica) in [first, second, first, second].enumerated() {
                group.addTask {
                    let region = index % 2 == 0 ? Self.eu : Self.us
                    return (try? await replica.createService(service("payments"), tenant: tenant("acme"), region: region)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "\(outcomes)")
        #expect(try await second.services(of: tenant("acme")).count == 1)
    }

    /// The records hold references only: encoded, a tenant and a service have
    /// no field but ids, the L1 reference, a region and times.
    @Test func theRecordsHaveNoFieldForKeyMaterial() throws {
        let encoder = JSONEncoder()
        let tenantFields = try JSONSerialization.jsonObject(with: encoder.encode(
            GovernanceTenant(id: tenant("acme"), l1: KeystoreReference(provider: "p", key: "k"), createdAt: Date(), unlinkedAt: Date()))) as? [String: Any]
        #expect(Set((tenantFields ?? [:]).keys) == ["id", "l1", "createdAt", "unlinkedAt"])
        let serviceFields = try JSONSerialization.jsonObject(with: encoder.encode(
            GovernanceService(tenant: tenant("acme"), id: service("payments"), region: Self.eu, createdAt: Date()))) as? [String: Any]
        #expect(Set((serviceFields ?? [:]).keys) == ["tenant", "id", "region", "createdAt"])
    }
}
