import Foundation
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's decrypt-only window and wrap limit: a replaced L2.1 version
/// past its window retires (its L3 versions moved to the current one, then
/// the minimum decryption version raised over it, audited) unless an L3
/// version it wraps cannot be moved now; and an L3 version is replaced once
/// it has reserved the wraps its policy allows.
@Suite struct DecryptOnlyWindowTests {
    @Test func aReplacedL21VersionClosesAfterItsWindowOnlyWhenNothingDependsOnIt() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let clock = HeldClock()
        let (core, _) = try await RotationSchedulerTests.core(harness, clock)
        let keyChain = try core.unsealed().keyChain
        let operations = Operations(core: core)
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        let early = try await keyChain.generateDataKey(tenant: acme, service: payments)
        let root = Caller(identity: Identity(id: "root", name: "root", role: .root, tenant: nil, service: nil, createdAt: clock.now, tokenHash: ""),
                          correlationID: "test")
        let view = try await operations.setTenantRotationPolicy(acme, RotationPolicy(decryptOnlySeconds: 86_400), caller: root)
        #expect(view.decryptOnlySeconds == 86_400 && view.decryptOnlySource == .own)
        await #expect(throws: KeyChainError.self) {
            _ = try await operations.setServiceRotationPolicy(payments, tenant: acme, RotationPolicy(decryptOnlySeconds: 86_400), caller: root)
        }
        try await keyChain.rotateTenantKey(acme)
        let scheduler = RotationScheduler(operations: operations)

        // A second service whose L3 v1 cannot be opened now (below its minimum decryption version, which can be lowered again).
        let ledger = try ServiceID("ledger")
        try await keyChain.createService(ledger, tenant: acme)
        try await keyChain.rotateServiceKey(ledger, tenant: acme)
        try await keyChain.setServiceMinimumDecryptionVersion(ledger, tenant: acme, 2)
        try await keyChain.rotateTenantKey(acme)

        // Past the window: payments' L3 v1 moves from L2.1 v1 to v3 and v1 retires; the ledger's L3 v1 (under L2.1 v2,
        // not openable now) keeps v2 open.
        clock.advance(2 * RotationSchedulerTests.day)
        _ = await scheduler.checkOnce()
        #expect(try await keyChain.tenantKeyRing(acme).tenantKeys.minimumDecryptionVersion == 2)
        #expect(try await keyChain.serviceKeyRing(payments, tenant: acme).serviceKeys.version(1)?.parentVersion == 3)
        // Held by the ledger's v1, the window writes nothing pass after pass.
        func windowEntries() throws -> Int {
            try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
                .filter { $0.operation == "tenant-key.min-decryption-version" }.count
        }
        let held = try windowEntries()
        _ = await scheduler.checkOnce()
        #expect(try windowEntries() == held, "a blocked window wrote to the audit log again")
        // The ledger's v1 opens again: the next pass moves it and retires L2.1 v2.
        try await keyChain.setServiceMinimumDecryptionVersion(ledger, tenant: acme, 1)
        _ = await scheduler.checkOnce()
        #expect(try await keyChain.tenantKeyRing(acme).tenantKeys.minimumDecryptionVersion == 3)
        // Data keys are under L3 keys, unchanged: they still open, also after memory is emptied.
        keyChain.evictAll()
        #expect(try await keyChain.unwrapDataKey(early.wrapped, tenant: acme, service: payments) == early.key)
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(entries.contains { $0.operation == "tenant-key.min-decryption-version" && $0.identity == "openkcm-scheduler"
                && $0.outcome == .success && ($0.key ?? "").contains("1 -> 2") })
        #expect(entries.contains { $0.operation == "tenant-key.min-decryption-version" && ($0.key ?? "").contains("2 -> 3") })
    }

    @Test func anL3VersionIsReplacedOnceItsWrapsAreReserved() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        await #expect(throws: KeyChainError.self) { try await keyChain.setServiceRotationPolicy(payments, tenant: acme, RotationPolicy(maximumWraps: 1000)) }
        // Two reservations of 2^20 wraps each: the third needs a new version.
        try await keyChain.setServiceRotationPolicy(payments, tenant: acme, RotationPolicy(maximumWraps: 1 << 21))
        #expect(try await keyChain.generateDataKey(tenant: acme, service: payments).serviceKeyVersion == 1)
        keyChain.evictAll()
        #expect(try await keyChain.generateDataKey(tenant: acme, service: payments).serviceKeyVersion == 1)
        keyChain.evictAll()
        #expect(try await keyChain.generateDataKey(tenant: acme, service: payments).serviceKeyVersion == 2)
        #expect(try await keyChain.serviceKeyRing(payments, tenant: acme).serviceKeys.version(1)?.reservedWraps == 1 << 21)
        // The rotation announces itself in the audit log, as the schedule's do, with what made it due.
        var rotations: [AuditEntry] = []
        for _ in 0..<200 {
            let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
            rotations = entries.filter { $0.operation == "service-key.rotate" }
            if !rotations.isEmpty { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(rotations.map(\.key) == ["L3 v1 -> v2: 2097152 wraps reserved, the policy's maximum wraps"])
        #expect(rotations.first?.identity == "openkcm-scheduler" && rotations.first?.service == "payments")
    }
}
