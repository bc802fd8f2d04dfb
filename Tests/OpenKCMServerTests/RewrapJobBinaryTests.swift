import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing

/// Issue 21's acceptance for an L3 compromise, against the real binary: an
/// application's 100,000 stored data keys are rewrapped by a background job
/// (`openkcm job rewrap`, with a progress bar), the server is killed with
/// SIGKILL in the middle, and after its restart the job finishes without
/// redoing or losing any blob: every result opens to the key it held before,
/// under the new version, the audit log counts exactly 100,000 rewraps, and
/// once the operator closes the compromised version the originals no longer open.
@Suite struct RewrapJobBinaryTests {
    static let blobs = 100_000

    struct Answer: @unchecked Sendable {
        let status: Int
        let json: [String: Any]
    }

    static func call(_ port: Int, _ method: HTTPMethod, _ path: String, token: String, body: [String: Any]? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code),
                      json: (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:])
    }

    @Test func aBulkRewrapOf100000DataKeysSurvivesKillNine() async throws {
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let node = try StoreRollbackBinaryTests.Node(bao: bao)
        defer { try? FileManager.default.removeItem(at: node.directory) }
        let transit = TransitClient(address: bao, token: "root")
        var server = try await node.start()
        defer { if server.isRunning { EndToEndTests.stop(server) } }
        let initRun = try node.cli(["operator", "init", "--output", "json"], nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        let app = try await node.customer("acme", root: root, transit: transit)
        let service = "/v1/tenants/acme/services/payments"

        // The application's stored data keys, made under L3 v1, and the keys they hold.
        var wrapped: [String] = []
        var plaintexts: [String] = []
        wrapped.reserveCapacity(Self.blobs)
        for _ in 0..<(Self.blobs / 1000) {
            let made = try await Self.call(node.port, .POST, "\(service)/datakey/batch", token: app, body: ["items": Array(repeating: [String: Any](), count: 1000)])
            let results = try #require(made.json["results"] as? [[String: Any]], "\(made.status) \(made.json)")
            for result in results {
                wrapped.append(try #require(result["wrapped"] as? String))
                plaintexts.append(try #require(result["plaintext"] as? String))
            }
        }
        #expect(wrapped.count == Self.blobs)

        // L3 v1 is compromised: rotated away from, unwrap-only.
        let compromised = try node.cli(["key", "compromise", "--tenant", "acme", "--service", "payments", "--version", "1", "--output", "json"], root)
        #expect(compromised.status == 0 && EndToEndTests.json(compromised.stdout)["rotatedTo"] as? Int == 2, "\(compromised.stdout) \(compromised.stderr)")

        let input = node.directory.appendingPathComponent("blobs.txt")
        try (wrapped.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        // 10,000 a second: about 10 s, long enough to be killed in the middle.
        let started = try node.cli(["job", "rewrap", "--tenant", "acme", "--service", "payments", "--input", input.path,
                                    "--rate", "10000", "--output", "json"], app)
        let id = try #require(EndToEndTests.json(started.stdout)["id"] as? String, "\(started.stdout) \(started.stderr)")
        let jobPath = "\(service)/rewrap-jobs/\(id)"

        // Killed once some chunks are done and many are not.
        let midway = try await Eventually.value(every: .milliseconds(50)) { () -> Int? in
            let done = try await Self.call(node.port, .GET, jobPath, token: app).json["doneChunks"] as? Int ?? 0
            return (10...70).contains(done) ? done : nil
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        let killedAt = try #require(midway, "the job never reached the middle: \(node.log)")
        print("rewrap job: server killed with SIGKILL after chunk \(killedAt) of 100")

        server = try await node.start()
        let followed = try node.cli(["job", "show", id, "--tenant", "acme", "--service", "payments", "--wait", "--output", "json"], app)
        #expect(followed.status == 0, "\(followed.stderr) \(node.log)")
        #expect(followed.stderr.contains("[#") && followed.stderr.contains("100"), "no progress bar: \(followed.stderr.suffix(300))")
        let job = EndToEndTests.json(followed.stdout)
        #expect(job["state"] as? String == "done" && job["rewrapped"] as? Int == Self.blobs && job["failed"] as? Int == 0, "\(job)")
        #expect((job["fromVersions"] as? [String: Any])?["1"] as? Int == Self.blobs && job["toVersion"] as? Int == 2, "\(job)")
        #expect(job["auditedChunks"] as? Int == 100, "\(job)")
        print("rewrap job: \(Self.blobs) data keys at \(job["blobsPerSecond"] ?? "?")/s (rate 10000)")

        // Each chunk counted once in the audit log: exactly 100,000 rewraps, nothing redone.
        let log = try Data(contentsOf: URL(fileURLWithPath: node.path("data/audit.log")))
        let entries = try AuditLogFormat.lines(Array(log)).map { try AuditLogFormat.entry($0) }
        let counted = entries.filter { $0.correlationID == id && $0.outcome == .success && ($0.key ?? "").contains("rewrapped under") }
        #expect(counted.reduce(0) { $0 + Int($1.count ?? 1) } == Self.blobs, "\(counted.count) chunk entries")
        #expect(Set(counted.compactMap { $0.key?.split(separator: ":").first }).count == 100, "a chunk was counted twice")

        // The results, in input order: every one opens under v2 to the key its original held.
        let output = node.directory.appendingPathComponent("rewrapped.txt")
        let written = try node.cli(["job", "output", id, "--tenant", "acme", "--service", "payments", "--file", output.path], app)
        #expect(written.status == 0, "\(written.stderr)")
        let results = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(results.count == Self.blobs && !results.contains { $0.hasPrefix("error") })
        var mismatched = 0
        for start in stride(from: 0, to: min(results.count, Self.blobs), by: 1000) {
            let items = results[start..<min(start + 1000, results.count)].map { ["wrapped": $0] }
            let opened = try await Self.call(node.port, .POST, "\(service)/unwrap/batch", token: app, body: ["items": items])
            let keys = (opened.json["results"] as? [[String: Any]] ?? []).map { $0["plaintext"] as? String }
            for (offset, key) in keys.enumerated() where key != plaintexts[start + offset] { mismatched += 1 }
            if keys.count != items.count { mismatched += items.count - keys.count }
        }
        #expect(mismatched == 0, "\(mismatched) rewrapped data keys do not open to their original key")
        // Until the operator closes v1 an original still opens (unwrap only); then it no longer does.
        #expect(try node.unwrap("acme", app, wrapped[0]).status == 0)
        let closed = try node.cli(["key", "close", "--tenant", "acme", "--service", "payments", "--version", "1"], root)
        #expect(closed.status == 0, "\(closed.stderr)")
        let old = try node.unwrap("acme", app, wrapped[0])
        #expect(old.status != 0 && old.stderr.contains("keychain.key_state_forbids"), "\(old.stdout) \(old.stderr)")
    }
}
