import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// The audit log in segments: closed at a size and chained to each other,
/// verified across files, read in pages, kept small under an anonymous flood,
/// and refusing operations while the disk is full, then recovering by itself.
@Suite struct AuditSegmentTests {
    /// Closed segments beside `path`, in log order.
    static func closedSegments(_ path: String) throws -> [String] {
        let directory = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + "."
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(prefix) }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    @Test func segmentsChainVerifyAcrossFilesAndReadInPages() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore(segmentBytes: 4096)
        let (shares, rootToken) = try await core.initializeShamir(shares: 2, threshold: 2)
        try await harness.application(core).test(.router) { client async throws in
            for _ in 0..<120 { _ = try await client.call(.get, "/v1/tenants", token: rootToken) }
            let verify = try await client.call(.post, "/v1/audit/verify", token: rootToken)
            #expect(verify["intact"] as? Bool == true, "\(verify.json)")
            let entries = try #require(verify["entries"] as? Int)
            #expect(entries >= 120)

            // A page from the middle starts at its sequence and stays within its limit.
            let page = try await client.call(.get, "/v1/audit?from=57&limit=10", token: rootToken)
            let sequences = (page["entries"] as? [[String: Any]])?.compactMap { $0["sequence"] as? Int }
            #expect(sequences == Array(57..<67), "\(page.json)")
        }
        let closed = try Self.closedSegments(harness.auditPath)
        #expect(closed.count >= 3, "120 entries of ~400 bytes in 4 KiB segments: \(closed)")
        for segment in closed {
            let size = try #require(try FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int)
            #expect(size < 4096 + 2048, "\(segment) is \(size) bytes")
        }
        let masterKey = try core.unsealed().masterKey
        await core.seal()
        let checkpoint = try await AuditLogTests.checkpoint(harness, masterKey: masterKey)

        // A closed segment removed from the middle: verify names the file after the gap.
        let middle = closed[1]
        let saved = try Data(contentsOf: URL(fileURLWithPath: middle))
        try FileManager.default.removeItem(atPath: middle)
        let verification = await (try AuditLogFile(path: harness.auditPath)).verify(masterKey: masterKey, checkpoint: checkpoint)
        guard case .broken(let line, _, .sequenceGap) = verification.result else { Issue.record("a missing segment was not caught: \(verification)"); return }
        #expect(line == 1 && verification.segment == (closed[2] as NSString).lastPathComponent, "\(verification)")
        try saved.write(to: URL(fileURLWithPath: middle))

        // The newest closed segment deleted while the server was down: it stays sealed.
        let newest = try #require(closed.last)
        let newestBytes = try Data(contentsOf: URL(fileURLWithPath: newest))
        try FileManager.default.removeItem(atPath: newest)
        let restarted = try await harness.makeCore(segmentBytes: 4096)
        await #expect(throws: AuditLogError.self) { for share in shares { _ = try await restarted.submitShare(share) } }
        #expect(restarted.status.sealed && restarted.status.auditError != nil, "\(restarted.status)")

        // Put back, the log unseals and continues the chain in the open segment.
        try newestBytes.write(to: URL(fileURLWithPath: newest))
        let again = try await harness.makeCore(segmentBytes: 4096)
        for share in shares { _ = try await again.submitShare(share) }
        #expect(!again.status.sealed)
        try await harness.application(again).test(.router) { client async throws in
            let verify = try await client.call(.post, "/v1/audit/verify", token: rootToken)
            #expect(verify["intact"] as? Bool == true, "\(verify.json)")
        }
    }

    /// 1,000 requests without a valid token: each is accounted for in the
    /// chain, but a flood is written as a few counted entries, not 1,000 lines.
    @Test func anAnonymousFloodIsCountedNotWrittenLineByLine() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        // No refill: what is written one by one does not depend on how fast the machine sends the flood.
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores,
                                        auditLog: AuditLogFile(path: harness.auditPath, anonymousBurst: 100, anonymousPerSecond: 0))
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            for index in 0..<1000 {
                let token: String? = index.isMultiple(of: 2) ? nil : "okcm.not.a.token"
                #expect(try await client.call(.get, "/v1/tenants", token: token).status == 401)
            }
            // An authenticated caller is never limited, and its refusals are written one by one.
            for _ in 0..<3 { #expect(try await client.call(.get, "/v1/tenants/nope", token: rootToken).status == 404) }
        }
        await core.auditLog.flushAnonymousRefusals()
        let entries = try AuditLogTests.lines(harness.auditPath).map { try AuditLogFormat.entry(Array($0.utf8)) }
        let anonymous = entries.filter { $0.identity == "anonymous" }
        let accounted = anonymous.reduce(UInt64(0)) { $0 + ($1.count ?? 1) }
        #expect(accounted == 1000, "every refusal is accounted for: \(accounted)")
        #expect(anonymous.count == 101, "100 one by one, then one counted entry: \(anonymous.count) lines")
        #expect(anonymous.last?.operation == "audit.anonymous_refusals" && anonymous.last?.count == 900, "\(String(describing: anonymous.last))")
        #expect(entries.filter { $0.identity != "anonymous" && $0.outcome == .refused }.count == 3)
        #expect(AuditVerifier(masterKey: try core.unsealed().masterKey).verify(entries).isIntact)
    }

    /// The disk fills up: operations are refused with audit.unwritable (and
    /// the reason in seal-status) while it lasts, no half entry stays in the
    /// file, and once space is back the log goes on by itself, chain intact.
    @Test func aFullDiskRefusesOperationsThenRecoversWithoutARestart() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let mount = harness.directory.appendingPathComponent("small-disk").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard let mounted = try? TmpfsMount(at: mount, bytes: 256 << 10) else {
            // A small filesystem needs root (CI runs as root); without it this test cannot run.
            if Peers.required { Issue.record("cannot mount a 256 KiB tmpfs at \(mount) (needs root)") }
            return
        }
        defer { mounted.unmount() }
        let auditPath = mount + "/audit.log"
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores,
                                        auditLog: AuditLogFile(path: auditPath, retryInterval: .milliseconds(100)))
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            #expect(try await client.call(.get, "/v1/tenants", token: rootToken).status == 200)
            // Fill the disk to its last byte.
            let filler = FileHandle(forWritingAtPath: mount + "/filler") ?? {
                _ = FileManager.default.createFile(atPath: mount + "/filler", contents: nil)
                return FileHandle(forWritingAtPath: mount + "/filler")!
            }()
            let chunk = Data(repeating: 0x41, count: 4096)
            while (try? filler.write(contentsOf: chunk)) != nil {}
            while (try? filler.write(contentsOf: Data([0x41]))) != nil {}
            try? filler.close()
            // The log's last page may still have room: requests go on until a write needs a new one.
            var answered = 0
            while answered < 100, try await client.call(.get, "/v1/tenants", token: rootToken).status == 200 { answered += 1 }
            #expect(answered < 100, "the log never ran out of space")

            let refused = try await client.call(.post, "/v1/tenants", token: rootToken,
                                                json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]])
            #expect(refused.status == 503 && refused.string("code") == "audit.unwritable", "\(refused.json)")
            #expect(try await client.call(.get, "/v1/tenants", token: rootToken).status == 503)
            let status = try await client.call(.get, "/v1/sys/seal-status")
            #expect(status.string("auditError").contains("No space"), "\(status.json)")
            #expect(try await core.unsealed().keyChain.tenants().isEmpty, "nothing changed that could not be audited")

            // Space comes back: within a retry interval operations go through again, no restart.
            try FileManager.default.removeItem(atPath: mount + "/filler")
            let recovered = try await Eventually.holds(every: .milliseconds(50)) {
                try await client.call(.get, "/v1/tenants", token: rootToken).status == 200
            }
            #expect(recovered)
            #expect(try await client.call(.post, "/v1/tenants", token: rootToken,
                                          json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]]).status == 201)
            let verify = try await client.call(.post, "/v1/audit/verify", token: rootToken)
            #expect(verify["intact"] as? Bool == true, "the chain goes on from the last entry written: \(verify.json)")
            #expect(try await client.call(.get, "/v1/sys/seal-status")["auditError"] == nil)
        }
        #expect(try AuditLogTests.lines(auditPath).allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") }, "no half entry in the file")
    }

    /// The open segment moved away or replaced while the server runs: writes
    /// would go to a file nobody reads, so the log stops instead.
    @Test func anOpenSegmentMovedAwayStopsTheLog() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            #expect(try await client.call(.get, "/v1/tenants", token: rootToken).status == 200)
            try FileManager.default.moveItem(atPath: harness.auditPath, toPath: harness.auditPath + ".elsewhere")
            try Data().write(to: URL(fileURLWithPath: harness.auditPath))
            let refused = try await client.call(.get, "/v1/tenants", token: rootToken)
            #expect(refused.status == 503 && refused.string("code") == "audit.chain_broken", "\(refused.json)")
            #expect(try await client.call(.get, "/v1/sys/seal-status").string("auditError").contains("deleted, renamed or replaced"))
        }
    }
}

/// A tmpfs of a fixed size, mounted for one test: a disk that really fills up.
struct TmpfsMount {
    let path: String

    init(at path: String, bytes: Int) throws {
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw CocoaError(.fileWriteNoPermission) }
        self.path = path
    }

    func unmount() {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = ["-l", path]
        try? umount.run()
        umount.waitUntilExit()
    }
}
