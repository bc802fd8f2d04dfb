import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OpenKCMTestSupport
import Testing
import OpenKCMCore

/// The audit log attacked on disk, against the real binary, by someone with
/// write access to the data directory but not the MasterKey: cut to entry k
/// while the server runs and refilled by 1,000 unauthenticated requests; the
/// newest closed segment deleted; the log replaced by another server's. Each
/// is caught: the running server stops writing to a segment changed under it,
/// and a restarted server does not unseal over a log that no longer reaches
/// its sealed checkpoint, with the reason in `operator status`.
@Suite struct AuditTamperBinaryTests {
    /// One server on its own data directory, with 4 KiB audit segments.
    struct Node {
        let directory: URL
        let port = FreePort.pick()

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-audit-tamper-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try """
                [server]
                address = "127.0.0.1:\(port)"
                data_dir = "\(directory.appendingPathComponent("data").path)"
                audit_segment_bytes = 4096
                """.write(to: config, atomically: true, encoding: .utf8)
        }

        var config: URL { directory.appendingPathComponent("openkcm.toml") }
        var auditPath: String { directory.appendingPathComponent("data/audit.log").path }

        func start() throws -> Process { try EndToEndTests.startServer(config: config) }

        /// The seal status once the listener answers.
        func status() async throws -> [String: Any] { try await AutoUnsealServerTests.waitForStatus(port: port) }

        /// Initialises (2 of 2 shares); returns the shares and the root token.
        func initialise() async throws -> ([String], String) {
            _ = try await status()
            let run = try EndToEndTests.openkcm(["operator", "init", "--shares", "2", "--threshold", "2", "--output", "json"], port: port, token: nil)
            let answer = EndToEndTests.json(run.stdout)
            return (try #require(answer["shares"] as? [String], "\(run.stderr)"), try #require(answer["rootToken"] as? String))
        }

        /// Gives both shares; the CLI's exit status of the last one.
        func unseal(_ shares: [String]) async throws -> EndToEndTests.Run {
            _ = try await status()
            var last: EndToEndTests.Run?
            for share in shares {
                last = try await EndToEndTests.openkcmOffPool(["operator", "unseal", "--output", "json"], port: port, token: nil, stdin: share + "\n")
            }
            return try #require(last)
        }

        /// Some entries: tenants created and listed.
        func story(_ root: String, tenants: Range<Int>) throws {
            for index in tenants {
                #expect(try EndToEndTests.openkcm(["tenant", "create", "t\(index)", "--l1-provider", "software", "--l1-key", "none"], port: port, token: root).status == 1)
                #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 0)
            }
        }

        func closedSegments() throws -> [String] { try AuditSegmentTests.closedSegments(auditPath) }
    }

    /// Unseals `node` and expects a refusal naming the audit chain, sealed, with the reason in status.
    static func expectRefusedUnseal(_ node: Node, _ shares: [String], _ what: String) async throws {
        let unseal = try await node.unseal(shares)
        #expect(unseal.status != 0 && unseal.stderr.contains("audit"), "\(what): \(unseal.stdout) \(unseal.stderr)")
        let status = try EndToEndTests.openkcm(["operator", "status"], port: node.port, token: nil)
        #expect(status.stdout.contains("audit error"), "\(what): \(status.stdout)")
        let json = try await node.status()
        #expect(json["sealed"] as? Bool == true && (json["auditError"] as? String)?.contains("chain is broken") == true, "\(what): \(json)")
        print("\(what) -> stays sealed: \(json["auditError"] ?? "")")
    }

    @Test func aLogCutToEntryKAndRefilledByAnonymousRequestsIsCaught() async throws {
        let node = try Node()
        defer { try? FileManager.default.removeItem(at: node.directory) }
        var server = try node.start()
        defer { EndToEndTests.stop(server) }
        let (shares, root) = try await node.initialise()
        try node.story(root, tenants: 0..<5)
        // The sealed checkpoint follows the log within a second; a verify moves it now, so it is past the cut below
        // (on a loaded machine the story can end before the checkpoint moved past the init's entries).
        #expect(try EndToEndTests.openkcm(["audit", "verify"], port: node.port, token: root).status == 0)

        // Cut the open segment to its first 3 entries while the server runs, then 1,000 requests without a token.
        let lines = try AuditLogTests.lines(node.auditPath)
        #expect(lines.count > 3)
        try (lines.prefix(3).joined(separator: "\n") + "\n").write(toFile: node.auditPath, atomically: false, encoding: .utf8)
        var codes: [Int: Int] = [:]
        for _ in 0..<1000 {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)/v1/tenants")!)
            request.setValue("Bearer okcm.not.a.token", forHTTPHeaderField: "Authorization")
            let (_, response) = try await URLSession.shared.data(for: request)
            codes[(response as? HTTPURLResponse)?.statusCode ?? 0, default: 0] += 1
        }
        print("1,000 anonymous requests after the cut -> \(codes)")
        // All refused: 401, or 503 where the refusal's own entry could not be written to the changed segment.
        #expect(codes.keys.allSatisfy { $0 == 401 || $0 == 503 } && codes.values.reduce(0, +) == 1000, "\(codes)")
        // The running server refuses to write after a segment it did not leave that way: operations stop.
        let list = try EndToEndTests.openkcm(["tenant", "list"], port: node.port, token: root)
        #expect(list.status != 0 && list.stderr.contains("chain is broken"), "\(list.stderr)")
        #expect(try EndToEndTests.openkcm(["operator", "status"], port: node.port, token: nil).stdout.contains("changed by someone else"))
        // A load balancer takes the node out: it serves nothing while its log refuses writes.
        let (_, health) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(node.port)/v1/sys/health")!)
        #expect((health as? HTTPURLResponse)?.statusCode == 503)
        let grown = try AuditLogTests.lines(node.auditPath).count
        #expect(grown == 3, "the cut log was not regrown: \(grown) lines")

        // Restarted, it does not unseal over the cut log.
        EndToEndTests.stop(server)
        server = try node.start()
        try await Self.expectRefusedUnseal(node, shares, "log cut to 3 entries")
    }

    @Test func theNewestClosedSegmentDeletedOrTheLogReplacedIsCaught() async throws {
        let node = try Node()
        defer { try? FileManager.default.removeItem(at: node.directory) }
        var server = try node.start()
        defer { EndToEndTests.stop(server) }
        let (shares, root) = try await node.initialise()
        try node.story(root, tenants: 0..<12)
        EndToEndTests.stop(server)
        let closed = try node.closedSegments()
        #expect(closed.count >= 2, "\(closed)")

        // Another server's log, complete and intact in itself.
        let other = try Node()
        defer { try? FileManager.default.removeItem(at: other.directory) }
        let otherServer = try other.start()
        let (_, otherRoot) = try await other.initialise()
        try other.story(otherRoot, tenants: 0..<12)
        EndToEndTests.stop(otherServer)

        // 1. The newest closed segment deleted.
        let newest = try #require(closed.last)
        let saved = try Data(contentsOf: URL(fileURLWithPath: newest))
        try FileManager.default.removeItem(atPath: newest)
        server = try node.start()
        try await Self.expectRefusedUnseal(node, shares, "newest closed segment deleted")
        EndToEndTests.stop(server)
        try saved.write(to: URL(fileURLWithPath: newest))

        // 2. The open segment deleted (the last segment of all; the unseal above wrote to it).
        let open = try Data(contentsOf: URL(fileURLWithPath: node.auditPath))
        try #require(!open.isEmpty, "the open segment is empty: deleting it would change nothing")
        try FileManager.default.removeItem(atPath: node.auditPath)
        server = try node.start()
        try await Self.expectRefusedUnseal(node, shares, "open segment deleted")
        EndToEndTests.stop(server)
        try open.write(to: URL(fileURLWithPath: node.auditPath))

        // 3. The whole log replaced by the other server's segments.
        let mine = try node.closedSegments() + [node.auditPath]
        let kept = try mine.map { ($0, try Data(contentsOf: URL(fileURLWithPath: $0))) }
        for path in mine { try FileManager.default.removeItem(atPath: path) }
        for path in try other.closedSegments() + [other.auditPath] {
            try FileManager.default.copyItem(atPath: path, toPath: node.directory.appendingPathComponent("data").appendingPathComponent((path as NSString).lastPathComponent).path)
        }
        server = try node.start()
        try await Self.expectRefusedUnseal(node, shares, "log replaced by another server's")
        EndToEndTests.stop(server)

        // Everything put back: it unseals and the chain verifies end to end.
        for path in try node.closedSegments() + [node.auditPath] { try FileManager.default.removeItem(atPath: path) }
        for (path, data) in kept { try data.write(to: URL(fileURLWithPath: path)) }
        server = try node.start()
        let unsealed = try await node.unseal(shares)
        #expect(unsealed.status == 0 && EndToEndTests.json(unsealed.stdout)["sealed"] as? Bool == false, "\(unsealed.stderr)")
        let verify = try EndToEndTests.openkcm(["audit", "verify"], port: node.port, token: root)
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}
