import Crypto
import Foundation
import OpenKCMCore
import OpenKCMServer
import Synchronization
import OpenKCMTestSupport
import Testing

/// The monitor against a customer KMS that stops answering: the other
/// tenants' kill switch still acts within a pass, and the silent one locks
/// once its grace period is over, even though its check never returns.
@Suite struct L1StatusMonitorTests {
    /// A keystore that wraps like the software one but whose status call can be made to hang.
    final class StallingKeystore: Keystore {
        let inner = SoftwareKeystore(name: "stalling")
        let stalled = Atomic<Bool>(false)
        var reference: KeystoreReference { inner.reference }

        func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data { try await inner.wrap(key, context: context) }
        func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey { try await inner.unwrap(wrapped, context: context) }

        func status() async -> KeystoreStatus {
            // Ignores cancellation, as a blocking HSM call would (without holding a thread of the test run).
            while stalled.load(ordering: .relaxed) { try? await Task.sleep(for: .milliseconds(20)) }
            return await inner.status()
        }
    }

    @Test func aStalledKMSDelaysNoOtherTenantAndLocksItsOwnAfterTheGracePeriod() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let stalling = StallingKeystore()
        harness.keystores.register(stalling)
        defer { stalling.stalled.store(false, ordering: .relaxed) }
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores,
                                        auditLog: AuditLogFile(path: harness.auditPath), l1GracePeriod: .milliseconds(600))
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        try await keyChain.createTenant(TenantID("slow"), l1: stalling.reference)
        try await keyChain.createTenant(TenantID("fast"), l1: harness.l1.reference)
        let monitor = L1StatusMonitor(operations: Operations(core: core), interval: .milliseconds(200))
        let slow = try TenantID("slow")
        let fast = try TenantID("fast")

        stalling.stalled.store(true, ordering: .relaxed)
        // The stalled KMS stays silent until the test ends (the defer above frees it). The watchdog is
        // only a safety net so a pass that wrongly waits still ends: 10 minutes, far beyond any load.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(600))
            stalling.stalled.store(false, ordering: .relaxed)
        }
        defer { watchdog.cancel() }
        harness.l1.setStatus(.disabled(reason: "the customer disabled it"))
        await monitor.checkOnce()
        // The pass ended while the stalled KMS was still silent (only the test's end, or the 10-minute watchdog, frees it):
        // it did not wait for that check. No clock is read, so the suite's load cannot decide this.
        let stillStalled = stalling.stalled.load(ordering: .relaxed)
        #expect(stillStalled, "the pass waited for the stalled KMS")
        // The fast tenant's check was not held up; under the suite's load it may still be writing its audit entry.
        #expect(try await Eventually.holds { keyChain.lockCause(fast) != nil }, "the fast tenant's disabled L1 did not lock it")

        // The stalled check never returns; after the grace period the next passes lock its tenant anyway.
        try await Eventually.holds(every: .milliseconds(200)) {
            await monitor.checkOnce()
            return keyChain.lockCause(slow) != nil
        }
        #expect(keyChain.lockCause(slow) != nil, "a KMS that never answers did not lock its tenant")
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(Set(entries.filter { $0.operation == "l1.lock" }.compactMap(\.tenant)) == ["fast", "slow"])
    }

    /// A tenant record put back outside the server (an unlink undone, say)
    /// while the tenant's keys are in memory: the monitor's pass reads the
    /// record, fails its check, drops the tenant's keys and audits it, and the
    /// next use is refused instead of served from memory.
    @Test func aTenantWhoseRecordChangedOutsideTheServerLeavesMemory() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        let made = try await keyChain.generateDataKey(tenant: acme, service: payments)
        let old = try #require(try await harness.storage.get("tenants/acme"))
        _ = try await keyChain.rotateTenantKey(acme)
        try await harness.storage.put("tenants/acme", value: old)
        #expect(keyChain.isUnsealed(acme))

        await L1StatusMonitor(operations: Operations(core: core), interval: .milliseconds(200)).checkOnce()
        #expect(!keyChain.isUnsealed(acme), "the tenant's keys stayed in memory")
        await #expect(throws: BarrierError.self) { _ = try await keyChain.unwrapDataKey(made.wrapped, tenant: acme, service: payments) }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(entries.contains { $0.operation == "store.integrity" && $0.tenant == "acme" && $0.errorCode == "barrier.record_rolled_back" })
    }
}
