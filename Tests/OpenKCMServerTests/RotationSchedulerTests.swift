import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's rotation on autopilot, with a clock the test holds: a service
/// with a 1-day period rotates when its day is up, exactly once (also with two
/// nodes on one store), its siblings and its tenant under the platform's 365
/// days do not until theirs; a version past its period that is no longer
/// current is deactivated (unwrap only); a locked tenant waits; each scheduled
/// rotation and expiry is audited with the policy that made it due.
@Suite struct RotationSchedulerTests {
    static let day: TimeInterval = 86_400

    /// A core on `harness`'s store at `clock`, unsealed (the first initialises; the others give the shares).
    static func core(_ harness: ServerHarness, _ clock: HeldClock, shares: [ShamirShare]? = nil) async throws -> (ServerCore, [ShamirShare]) {
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores, auditLog: AuditLogFile(path: harness.auditPath),
                                        clock: clock.reading)
        guard let shares else { return (core, try await core.initializeShamir(shares: 2, threshold: 2).shares) }
        for share in shares { _ = try await core.submitShare(share) }
        return (core, shares)
    }

    static func versions(_ core: ServerCore, _ service: String) async throws -> UInt32 {
        try await core.unsealed().keyChain.serviceKeyRing(ServiceID(service), tenant: TenantID("acme")).serviceKeys.currentVersion
    }

    @Test func aOneDayServiceRotatesWhenItsDayIsUpAndOnlyOnce() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let clock = HeldClock()
        let (core, _) = try await Self.core(harness, clock)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(ServiceID("payments"), tenant: acme)
        try await keyChain.createService(ServiceID("ledger"), tenant: acme)
        let operations = Operations(core: core)
        let root = Caller(identity: Identity(id: "root", name: "root", role: .root, tenant: nil, service: nil, createdAt: clock.now, tokenHash: ""), correlationID: "test")
        let view = try await operations.setServiceRotationPolicy(ServiceID("payments"), tenant: acme, RotationPolicy(periodSeconds: 86_400), caller: root)
        #expect(view.source == .own && view.periodSeconds == 86_400 && view.dueAt! <= clock.now.addingTimeInterval(Self.day))
        // Periods outside 1 day to 7 years are refused.
        await #expect(throws: KeyChainError.self) {
            _ = try await operations.setServiceRotationPolicy(ServiceID("ledger"), tenant: acme, RotationPolicy(periodSeconds: 3600), caller: root)
        }
        let scheduler = RotationScheduler(operations: operations)
        let early = try await keyChain.generateDataKey(tenant: acme, service: ServiceID("payments"))

        #expect(await scheduler.checkOnce().isEmpty)
        // Jitter brings the due date forward by at most 1% of the period (864 s for a day), never later.
        clock.advance(Self.day - 900)
        #expect(await scheduler.checkOnce().isEmpty)
        clock.advance(900)
        let first = await scheduler.checkOnce()
        #expect(first.map(\.auditKey) == ["L3 v2 (period 86400 s, own policy)"], "\(first)")
        #expect(await scheduler.checkOnce().isEmpty, "rotated once, not at every pass")
        let (payments, ledger) = (try await Self.versions(core, "payments"), try await Self.versions(core, "ledger"))
        #expect(payments == 2 && ledger == 1)
        // Version 1 is past its period and no longer current: deactivated in the same pass. It still opens
        // what it wrapped, wraps nothing, and cannot be made current again.
        let ringAfter = try await keyChain.serviceKeyRing(ServiceID("payments"), tenant: acme).serviceKeys
        #expect(ringAfter.version(1)?.state == .deactivated && ringAfter.version(2)?.state == .active)
        #expect(try await keyChain.unwrapDataKey(early.wrapped, tenant: acme, service: ServiceID("payments")) == early.key)
        await #expect(throws: KeyChainError.self) { try await keyChain.rollbackServiceKey(ServiceID("payments"), tenant: acme, to: 1) }
        clock.advance(Self.day)
        #expect(await scheduler.checkOnce().map(\.version) == [3])

        // A year on: the tenant's L2 and L2.1 and the ledger's L3 under the platform's 365 days, and payments again.
        clock.advance(365 * Self.day)
        let yearly = await scheduler.checkOnce()
        #expect(Set(yearly.map(\.auditKey)) == ["L2 v2 (period 31536000 s, platform policy)", "L2.1 v2 (period 31536000 s, platform policy)",
                                               "L3 v4 (period 86400 s, own policy)", "L3 v2 (period 31536000 s, platform policy)"], "\(yearly)")
        // The new L3 versions are wrapped by the new L2.1: rotated after it in the same pass.
        let ring = try await keyChain.serviceKeyRing(ServiceID("payments"), tenant: acme).serviceKeys
        #expect(ring.version(ring.currentVersion)?.parentVersion == 2)

        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        // Six rotations (the L2 among them), and five expiries: payments v1, v2 and v3, the ledger's v1 and the L2.1's v1.
        // Each change is announced (outcome attempted, synced) before it is made, and recorded after: two entries each.
        #expect(audit.components(separatedBy: "\"identity\":\"openkcm-scheduler\"").count - 1 == 22, "two entries per scheduled rotation and expiry")
        #expect(audit.components(separatedBy: "\"outcome\":\"attempted\"").count - 1 >= 10)
        #expect(audit.components(separatedBy: "expired: deactivated").count - 1 == 5)
        #expect(try await keyChain.tenantKeyRing(acme).tenantKeys.version(1)?.state == .deactivated)
    }

    @Test func twoNodesOnOneStoreRotateADueKeyOnce() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let clock = HeldClock()
        let (first, shares) = try await Self.core(harness, clock)
        let acme = try TenantID("acme")
        try await first.unsealed().keyChain.createTenant(acme, l1: harness.l1.reference)
        try await first.unsealed().keyChain.createService(ServiceID("payments"), tenant: acme)
        try await first.unsealed().keyChain.setServiceRotationPolicy(ServiceID("payments"), tenant: acme, RotationPolicy(periodSeconds: 86_400))
        let (second, _) = try await Self.core(harness, clock, shares: shares)
        clock.advance(Self.day)
        async let a = RotationScheduler(operations: Operations(core: first)).checkOnce()
        async let b = RotationScheduler(operations: Operations(core: second)).checkOnce()
        let made = await a + b
        #expect(made.count == 1, "\(made)")
        #expect(try await Self.versions(first, "payments") == 2)
    }

    @Test func aLockedTenantWaits() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let clock = HeldClock()
        let (core, _) = try await Self.core(harness, clock)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(ServiceID("payments"), tenant: acme)
        try await keyChain.unlinkL1(acme)
        clock.advance(400 * Self.day)
        #expect(await RotationScheduler(operations: Operations(core: core)).checkOnce().isEmpty)
    }
}
