import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import OpenKCMCore
import OpenKCMServer

/// The audit log on disk: tampering is caught by `POST /v1/audit/verify`, and
/// a log that cannot be written refuses operations instead of passing silently.
@Suite struct AuditLogTests {
    /// Runs a short story and returns the root token; the log then holds several entries.
    static func story(_ harness: ServerHarness, mode: AuditLogFile.SyncMode = .group) async throws -> (ServerCore, String, [ShamirShare]) {
        let core = try await harness.makeCore(mode: mode)
        let (shares, rootToken) = try await core.initializeShamir(shares: 2, threshold: 2)
        try await harness.application(core).test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]])
            _ = try await client.call(.post, "/v1/tenants/acme/services", token: rootToken, json: ["id": "payments"])
            for _ in 0..<5 { _ = try await client.call(.post, "/v1/tenants/acme/keys/rotate", token: rootToken) }
            _ = try await client.call(.get, "/v1/tenants", token: "okcm.bad.token")
        }
        return (core, rootToken, shares)
    }

    /// The audit checkpoint kept in the harness's sealed storage.
    static func checkpoint(_ harness: ServerHarness, masterKey: MasterKey) async throws -> AuditHead? {
        let barrier = SealedStorage(backend: harness.storage)
        barrier.unseal(with: masterKey)
        return try await barrier.get(ServerCore.auditCheckpointKey).map { try JSONDecoder().decode(AuditHead.self, from: $0) }
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func everyKindOfTamperingIsCaughtAtTheRightLineAndRefusedAtUnseal() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, rootToken, shares) = try await Self.story(harness)
        try await harness.application(core).test(.router) { client async throws in
            let intact = try await client.call(.post, "/v1/audit/verify", token: rootToken)
            #expect(intact["intact"] as? Bool == true, "\(intact.json)")
        }
        let masterKey = try core.unsealed().masterKey
        await core.seal()
        let checkpoint = try #require(try await Self.checkpoint(harness, masterKey: masterKey))
        let original = try Self.lines(harness.auditPath)
        #expect(original.count >= 8)
        #expect(checkpoint.sequence == UInt64(original.count), "the seal stored the head as the checkpoint")
        let tamperings: [(String, @Sendable ([String]) -> [String], Int)] = [
            ("edit", { var l = $0; l[3] = l[3].replacingOccurrences(of: "\"success\"", with: "\"refused\""); return l }, 4),
            ("edit identity", { var l = $0; l[2] = l[2].replacingOccurrences(of: "\"identity\":\"", with: "\"identity\":\"x"); return l }, 3),
            ("delete", { var l = $0; l.remove(at: 4); return l }, 5),
            ("insert copy", { var l = $0; l.insert(l[1], at: 5); return l }, 6),
            ("reorder", { var l = $0; l.swapAt(2, 3); return l }, 3),
            ("garbage line", { var l = $0; l.insert("{\"not\": \"an entry\"}", at: 1); return l }, 2),
            ("cut the tail", { Array($0.dropLast(2)) }, original.count - 1),
            ("cut to one entry", { Array($0.prefix(1)) }, 2),
        ]
        for (name, tamper, line) in tamperings {
            // The files are edited while the server is down (a running server refuses a changed segment at its next write).
            try (tamper(original).joined(separator: "\n") + "\n").write(toFile: harness.auditPath, atomically: false, encoding: .utf8)
            let verification = await (try AuditLogFile(path: harness.auditPath)).verify(masterKey: masterKey, checkpoint: checkpoint)
            guard case .broken(let position, _, _) = verification.result else { Issue.record("\(name) not caught"); continue }
            #expect(position == line, "\(name): \(verification)")
            // And the server does not unseal over it: the open segment is checked in full against the checkpoint.
            let restarted = try await harness.makeCore()
            await #expect(throws: AuditLogError.self, "\(name) was continued") { for share in shares { _ = try await restarted.submitShare(share) } }
            #expect(restarted.status.sealed && restarted.status.auditError?.contains("chain is broken") == true, "\(name): \(restarted.status)")
        }
        try (original.joined(separator: "\n") + "\n").write(toFile: harness.auditPath, atomically: false, encoding: .utf8)
        let restored = try await harness.makeCore()
        for share in shares.prefix(2) { _ = try await restored.submitShare(share) }
        #expect(!restored.status.sealed && restored.status.auditError == nil, "the restored log unseals: \(restored.status)")
    }

    @Test func aTailCutWhileTheServerWasDownKeepsItSealed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let (shares, rootToken) = try await core.initializeShamir(shares: 2, threshold: 2)
        try await harness.application(core).test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]])
            for _ in 0..<4 { _ = try await client.call(.get, "/v1/tenants", token: rootToken) }
        }
        await core.seal()
        let lines = try Self.lines(harness.auditPath)
        try (lines.dropLast(3).joined(separator: "\n") + "\n").write(toFile: harness.auditPath, atomically: false, encoding: .utf8)

        let restarted = try await harness.makeCore()
        await #expect(throws: AuditLogError.self) { for share in shares { _ = try await restarted.submitShare(share) } }
        #expect(restarted.status.sealed)
        #expect(restarted.status.auditError?.contains("no longer holds entry \(lines.count)") == true, "\(restarted.status)")
        try await harness.application(restarted).test(.router) { client async throws in
            let status = try await client.call(.get, "/v1/sys/seal-status")
            #expect(status["sealed"] as? Bool == true && (status.string("auditError")).contains("checkpoint"), "\(status.json)")
        }
    }

    @Test func aFailingAuditSinkRefusesOperations() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        // /dev/full accepts the open and fails every write with ENOSPC.
        let core = try await harness.makeCore(auditPath: "/dev/full")
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants", token: rootToken,
                                               json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]])
            #expect(answer.status == 503 && answer.string("code") == "audit.unwritable", "\(answer.json)")
            // Nothing changed: the change could not be audited, so it never started.
            #expect(try await core.unsealed().keyChain.tenants().isEmpty)
            let list = try await client.call(.get, "/v1/tenants", token: rootToken)
            #expect(list.status == 503 && list.string("code") == "audit.unwritable")
        }
    }

    /// A batch's items that ended alike share one entry with their count; a
    /// refused item in the middle keeps its own, and the counts add up to the batch.
    @Test func aBatchIsAuditedItemByItemWithAlikeItemsCounted() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let app = try #require(tokens["acme"])
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let plaintexts = [key, key, "not base64!", key, key]
        try await harness.application(core).test(.router) { client async throws in
            let items = plaintexts.map { ["plaintext": $0] }
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/wrap/batch", token: app, json: ["items": items])
            #expect((answer["results"] as? [[String: Any]])?.map { $0["error"] == nil } == [true, true, false, true, true])
        }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(AuditVerifier(masterKey: try core.unsealed().masterKey).verify(entries).isIntact, "the counted entries keep the chain intact")
        let wraps = entries.filter { $0.operation == "datakey.wrap" }
        #expect(wraps.map(\.outcome) == [.success, .refused, .success])
        #expect(wraps.map(\.count) == [2, nil, 2])
        #expect(wraps[1].errorCode == "request.invalid_base64")
        #expect(Set(wraps.map(\.correlationID)).count == 1)
    }

    @Test func aRestartAfterACrashContinuesTheSameChain() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore(mode: .everyRequest)
        let (shares, rootToken) = try await core.initializeShamir(shares: 2, threshold: 2)
        try await harness.application(core).test(.router) { client async throws in
            for _ in 0..<3 { _ = try await client.call(.get, "/v1/tenants", token: rootToken) }
        }
        await core.seal()
        // A crash mid-write leaves a partial last line that was never acknowledged.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: harness.auditPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"sequence\":99,\"ti".utf8))
        try handle.close()

        let restarted = try await harness.makeCore(mode: .everyRequest)
        // Refused while sealed: audited once the server is unsealed.
        try await harness.application(restarted).test(.router) { client async throws in
            #expect(try await client.call(.get, "/v1/tenants", token: rootToken).status == 503)
            #expect(try await client.call(.post, "/v1/tenants/acme/services/p/datakey", token: rootToken, json: [:]).status == 503)
        }
        for share in shares { _ = try await restarted.submitShare(share) }
        #expect(!restarted.status.sealed)
        try await harness.application(restarted).test(.router) { client async throws in
            for _ in 0..<3 { _ = try await client.call(.get, "/v1/tenants", token: rootToken) }
            let verify = try await client.call(.post, "/v1/audit/verify", token: rootToken)
            #expect(verify["intact"] as? Bool == true, "\(verify.json)")
            // 8, and the store generation recorded at the seal and at the unseal.
            #expect(verify["entries"] as? Int == 10, "\(verify.json)")
        }
        let entries = try Self.lines(harness.auditPath).map { try AuditLogFormat.entry(Array($0.utf8)) }
        #expect(entries.filter { $0.errorCode == "barrier.sealed" && $0.outcome == .refused }.count == 2)
        #expect(try Self.lines(harness.auditPath).allSatisfy { $0.hasSuffix("}") })
    }
}
