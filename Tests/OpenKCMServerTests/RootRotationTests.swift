import Foundation
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's L2 rotation, on demand and on schedule: a new tenant root
/// wraps every L2.1 version again (the L2 generation goes up, the L2.1 keys
/// stay), data keys made before still open, also after the keys leave memory
/// and the tenant is opened again through the L1; the schedule replaces the
/// L2 once its period is up, exactly once, audited with the policy.
@Suite struct RootRotationTests {
    @Test func aNewRootWrapsEveryL21AgainAndTheScheduleRotatesItOnce() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let clock = HeldClock()
        let (core, _) = try await RotationSchedulerTests.core(harness, clock)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        let first = try await keyChain.generateDataKey(tenant: acme, service: payments)
        try await keyChain.rotateTenantKey(acme)
        try await keyChain.rotateServiceKey(payments, tenant: acme)
        let second = try await keyChain.generateDataKey(tenant: acme, service: payments)
        let before = try await keyChain.tenantKeyRing(acme)

        #expect(try await keyChain.rotateRoot(acme) == 2)
        let after = try await keyChain.tenantKeyRing(acme)
        #expect(after.rootVersion == 2 && after.wrappedRoot != before.wrappedRoot && after.rootKeyID == before.rootKeyID)
        #expect(after.tenantKeys.versions.allSatisfy { $0.parentVersion == 2 }, "every L2.1 version is wrapped by generation 2")
        for version in after.tenantKeys.versions {
            let header = try WrappedKey(parsing: try #require(version.wrapped)).header
            #expect(header.keyVersion == 2 && version.wrapped != before.tenantKeys.version(version.version)?.wrapped)
        }
        // Data keys from before open, in memory and after the tenant is opened again through the L1.
        #expect(try await keyChain.unwrapDataKey(first.wrapped, tenant: acme, service: payments) == first.key)
        keyChain.evictAll()
        #expect(try await keyChain.unwrapDataKey(first.wrapped, tenant: acme, service: payments) == first.key)
        #expect(try await keyChain.unwrapDataKey(second.wrapped, tenant: acme, service: payments) == second.key)

        // On schedule: a 1-day L2 period; a service policy may not set one.
        let operations = Operations(core: core)
        let root = Caller(identity: Identity(id: "root", name: "root", role: .root, tenant: nil, service: nil, createdAt: clock.now, tokenHash: ""),
                          correlationID: "test")
        await #expect(throws: KeyChainError.self) {
            _ = try await operations.setServiceRotationPolicy(payments, tenant: acme, RotationPolicy(rootPeriodSeconds: 86_400), caller: root)
        }
        let view = try await operations.setTenantRotationPolicy(acme, RotationPolicy(rootPeriodSeconds: 86_400), caller: root)
        #expect(view.rootVersion == 2 && view.rootPeriodSeconds == 86_400 && view.rootSource == .own, "\(view)")
        let scheduler = RotationScheduler(operations: operations)
        #expect(await scheduler.checkOnce().isEmpty)
        clock.advance(RotationSchedulerTests.day)
        let made = await scheduler.checkOnce()
        #expect(made.map(\.auditKey) == ["L2 v3 (period 86400 s, own policy)"], "\(made)")
        #expect(await scheduler.checkOnce().isEmpty, "rotated once, not at every pass")
        #expect(try await keyChain.unwrapDataKey(first.wrapped, tenant: acme, service: payments) == first.key)
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(entries.contains { $0.operation == "tenant-root.rotate" && $0.identity == "openkcm-scheduler" && $0.outcome == .success
                && $0.key == "L2 v3 (period 86400 s, own policy)" })

        // Refused while the tenant is unlinked.
        try await keyChain.unlinkL1(acme)
        await #expect(throws: KeyChainError.self) { try await keyChain.rotateRoot(acme) }
    }
}
