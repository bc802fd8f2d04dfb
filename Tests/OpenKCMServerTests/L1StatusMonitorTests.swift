import Crypto
import Foundation
import OpenKCMCore
import OpenKCMServer
import Synchronization
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
        // The stalled KMS answers only after 30 s: a pass that waited for it would take that long.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            stalling.stalled.store(false, ordering: .relaxed)
        }
        defer { watchdog.cancel() }
        harness.l1.setStatus(.disabled(reason: "the customer disabled it"))
        let start = ContinuousClock.now
        await monitor.checkOnce()
        let pass = ContinuousClock.now - start
        print("a pass with one stalled KMS took \(pass) (its check waited at most one 200 ms interval, plus scheduling under the suite's load)")
        #expect(pass < .seconds(25), "the pass waited for the stalled KMS (\(pass))")
        // The fast tenant's check was not held up; under the suite's load it may still be writing its audit entry.
        for _ in 0..<100 where keyChain.lockCause(fast) == nil { try await Task.sleep(for: .milliseconds(100)) }
        #expect(keyChain.lockCause(fast) != nil, "the fast tenant's disabled L1 did not lock it")

        // The stalled check never returns; after the grace period the next passes lock its tenant anyway.
        for _ in 0..<100 where keyChain.lockCause(slow) == nil {
            try await Task.sleep(for: .milliseconds(200))
            await monitor.checkOnce()
        }
        #expect(keyChain.lockCause(slow) != nil, "a KMS that never answers did not lock its tenant")
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(Set(entries.filter { $0.operation == "l1.lock" }.compactMap(\.tenant)) == ["fast", "slow"])
    }
}
