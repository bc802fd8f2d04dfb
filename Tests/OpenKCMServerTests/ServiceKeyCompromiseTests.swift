import Crypto
import Foundation
import KMIP
import KMIPEngine
import Hummingbird
import HummingbirdTesting
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's compromise of an L3 version: rotated away from when current,
/// it never wraps again but still opens what it wrapped (unwrap only), so
/// the application can rewrap; closed, nothing under it opens; an L2.1
/// compromise still moves it; and a rewrap job over its data keys, run in
/// process, closes it at the end only when none of them failed.
@Suite struct ServiceKeyCompromiseTests {
    @Test func aCompromisedL3StaysUnwrapOnlyUntilClosed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let (_, root) = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        let old = try await keyChain.generateDataKey(tenant: acme, service: payments)

        try await harness.application(core).test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/keys/1/compromise", token: root)
            #expect(answer.status == 200 && answer["rotatedTo"] as? Int == 2 && answer["stillOpens"] as? Bool == true, "\(answer.json)")
            #expect(try await client.call(.post, "/v1/tenants/acme/services/payments/keys/1/compromise", token: root).string("code")
                    == "keychain.invalid_state_transition")
            #expect(try await client.call(.post, "/v1/tenants/acme/services/payments/keys/0/close", token: root).status == 400)
        }
        // The compliance report counts it among the versions still open, as compromised; and the tenant's L2.
        let report = try await Operations(core: core).buildComplianceReport(keyChain)
        let key = report.tenants.first?.keys.first { $0.service == "payments" }
        #expect(key?.compromisedOpen == 1 && key?.openVersions == 2 && report.tenants.first?.rootVersion == 1, "\(report)")
        // Unwrap only: the old data key opens, new ones are made under v2, and a rewrap moves it there.
        #expect(try await keyChain.unwrapDataKey(old.wrapped, tenant: acme, service: payments) == old.key)
        #expect(try await keyChain.generateDataKey(tenant: acme, service: payments).serviceKeyVersion == 2)
        let moved = try await keyChain.rewrapDataKey(old.wrapped, tenant: acme, service: payments)
        #expect(try WrappedKey(parsing: moved).header.keyVersion == 2)

        // An L2.1 compromise moves the still-opening L3 too (it can be opened).
        try await keyChain.rotateTenantKey(acme)
        let tenantCompromise = try await keyChain.compromiseTenantKey(acme, version: 1)
        #expect(tenantCompromise.rewrappedServiceKeys == 2 && tenantCompromise.skippedServiceKeys == 0)
        #expect(try await keyChain.unwrapDataKey(old.wrapped, tenant: acme, service: payments) == old.key)

        // Closed: nothing under v1 opens; what was rewrapped does.
        try await keyChain.closeServiceKey(payments, tenant: acme, version: 1)
        await #expect(throws: KeyChainError.self) { _ = try await keyChain.unwrapDataKey(old.wrapped, tenant: acme, service: payments) }
        #expect(try await keyChain.unwrapDataKey(moved, tenant: acme, service: payments) == old.key)
        // Only a compromised version closes.
        await #expect(throws: KeyChainError.self) { try await keyChain.closeServiceKey(payments, tenant: acme, version: 2) }
    }

    /// KMIP objects keep their L4 on the server: the compromise moves them off the version itself,
    /// and the rotation schedule finishes a move that did not happen (here: objects put back under v1).
    @Test func theServicesKMIPObjectsMoveOffACompromisedVersion() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let operations = Operations(core: core)
        let unsealed = try core.unsealed()
        let acme = try TenantID("acme")
        let payments = try ServiceID("payments")
        try await unsealed.keyChain.createTenant(acme, l1: harness.l1.reference)
        try await unsealed.keyChain.createService(payments, tenant: acme)
        let identity = try await unsealed.identities.create(name: "kmip", role: .crypto, tenant: acme, service: payments).identity
        let caller = Caller(identity: identity, correlationID: "test")
        var uids: [String] = []
        var materials: [[UInt8]] = []
        for index in 0..<5 {
            let named = KMIPRequestedAttributes(.structure(.requestPayload, [.structure(.attributes, [
                .structure(.name, [TTLVItem(.nameValue, .textString("k\(index)")), TTLVItem(.nameType, .enumeration(1))])])]))
            let uid = try await operations.kmipCreateSymmetricKey(length: 256, attributes: named, caller: caller)
            uids.append(uid)
            materials.append(try await operations.kmipGet(uid, caller: caller).1)
        }
        func versions() async throws -> [UInt32] {
            var found: [UInt32] = []
            for uid in uids {
                let object = try #require(try await operations.kmipStore(unsealed).get(uid, tenant: acme, service: payments))
                found.append(try WrappedKey(parsing: object.wrappedKey).header.keyVersion)
            }
            return found
        }
        #expect(try await versions() == [1, 1, 1, 1, 1])
        let before = try #require(try await operations.kmipStore(unsealed).get(uids[0], tenant: acme, service: payments))

        let root = try await unsealed.identities.create(name: "operator", role: .root, tenant: nil, service: nil).identity
        let compromise = try await operations.compromiseServiceKey(payments, tenant: acme, version: 1, caller: Caller(identity: root, correlationID: "c"))
        #expect(compromise.kmipObjectsRewrapped == 5 && compromise.rotatedTo == 2)
        #expect(try await versions() == [2, 2, 2, 2, 2])
        for (uid, material) in zip(uids, materials) { #expect(try await operations.kmipGet(uid, caller: caller).1 == material) }

        // One object back under v1 (as if the node had stopped midway): the schedule's pass moves it, audited, and once only.
        try await operations.kmipStore(unsealed).put(before)
        let scheduler = RotationScheduler(operations: operations)
        await scheduler.checkOnce()
        #expect(try await versions() == [2, 2, 2, 2, 2])
        #expect(try await operations.kmipGet(uids[0], caller: caller).1 == materials[0])
        await scheduler.checkOnce()
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        let sweeps = entries.filter { $0.operation == "kmip.object-rewrap" }
        #expect(sweeps.map(\.outcome) == [.attempted, .success], "\(sweeps)")
        #expect(sweeps.last?.key == "1 KMIP objects moved off compromised L3 v1")
    }

    @Test func aRewrapJobMovesEveryGoodDataKeyAndReportsTheRest() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let keyChain = try core.unsealed().keyChain
        let operations = Operations(core: core)
        let acme = try TenantID("acme")
        let (payments, ledger) = (try ServiceID("payments"), try ServiceID("ledger"))
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(payments, tenant: acme)
        try await keyChain.createService(ledger, tenant: acme)
        let identity = try await core.unsealed().identities.create(name: "app", role: .crypto, tenant: acme, service: payments)
        let caller = Caller(identity: identity.identity, correlationID: "test")
        var items: [RewrapJobItem] = []
        var keys: [SymmetricKey] = []
        for index in 0..<1_500 {
            let context = try EncryptionContext(["row": "\(index)"])
            let made = try await keyChain.generateDataKey(tenant: acme, service: payments, context: context)
            items.append(RewrapJobItem(wrapped: made.wrapped, context: ["row": "\(index)"]))
            keys.append(made.key)
        }
        _ = try await keyChain.compromiseServiceKey(payments, tenant: acme, version: 1)
        // One data key given with the wrong context: it fails in its place, the others move.
        var tampered = items
        tampered[7].context = ["row": "other"]
        let first = try await operations.startRewrapJob(tampered, tenant: acme, service: payments, caller: caller)
        await RewrapJobRunner(operations: operations).runPending()
        let done = try await operations.rewrapJob(first.id, tenant: acme, service: payments, caller: caller)
        #expect(done.state == .done && done.rewrapped == 1_499 && done.failed == 1 && done.auditedChunks == 2 && done.fromVersions == ["1": 1_499], "\(done)")
        let outcomes = try await operations.rewrapJobOutput(first.id, chunk: 0, tenant: acme, service: payments, caller: caller)
        #expect(outcomes[7].wrapped == nil && outcomes[7].error != nil && outcomes[7].fromVersion == 1)
        let second = try await operations.rewrapJobOutput(first.id, chunk: 1, tenant: acme, service: payments, caller: caller)
        #expect(second.count == 500)
        let opened = try await keyChain.unwrapDataKey(try #require(second[0].wrapped), tenant: acme, service: payments,
                                                      context: try EncryptionContext(["row": "1000"]))
        #expect(opened == keys[1000])
        // Each chunk counted once in the audit log.
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        let counted = entries.filter { $0.correlationID == first.id && $0.outcome != .attempted }
        #expect(counted.reduce(0) { $0 + Int($1.count ?? 1) } == 1_500, "\(counted.map { $0.key ?? "" })")

        // Another service's identity sees none of it; a job id that is not a UUID names nothing.
        let other = try await core.unsealed().identities.create(name: "ledger-app", role: .crypto, tenant: acme, service: ledger)
        await #expect(throws: (any Error).self) {
            _ = try await operations.rewrapJob(first.id, tenant: acme, service: payments, caller: Caller(identity: other.identity, correlationID: "x"))
        }
        #expect(try await operations.rewrapJobs(tenant: acme, service: ledger, caller: Caller(identity: other.identity, correlationID: "x")).isEmpty)
        await #expect(throws: ProblemDetails.self) { _ = try await operations.rewrapJob("../x", tenant: acme, service: payments, caller: caller) }

        // The operator closes v1: the original data keys no longer open; the job's results do.
        try await keyChain.closeServiceKey(payments, tenant: acme, version: 1)
        await #expect(throws: KeyChainError.self) {
            _ = try await keyChain.unwrapDataKey(items[0].wrapped, tenant: acme, service: payments, context: try EncryptionContext(["row": "0"]))
        }
        #expect(try await keyChain.unwrapDataKey(try #require(outcomes[0].wrapped), tenant: acme, service: payments,
                                                 context: try EncryptionContext(["row": "0"])) == keys[0])

        // A job waiting while its tenant is locked writes nothing; destroying the service removes its jobs.
        let waiting = try await operations.startRewrapJob(items, tenant: acme, service: payments, caller: caller)
        keyChain.lockTenant(acme, reason: "test")
        let before = try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)).count
        await RewrapJobRunner(operations: operations).runPending()
        #expect(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)).count == before, "a paused job wrote to the audit log")
        #expect(try await operations.rewrapJob(waiting.id, tenant: acme, service: payments, caller: caller).doneChunks == 0)
        keyChain.unlockTenant(acme)
        try await keyChain.destroyService(payments, tenant: acme)
        #expect(try await harness.storage.list(prefix: "rewrap-job").isEmpty)
    }
}
