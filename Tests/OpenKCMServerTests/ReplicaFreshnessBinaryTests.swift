import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing

/// Three real `openkcm server` processes on one PostgreSQL schema, as three
/// replicas behind a load balancer (issue 18's acceptance): an unlink, a
/// rotation, a destruction made on one node hold on the others within the
/// freshness bound (1 s), measured and printed; two nodes rotating one tenant
/// at once lose no version; a node whose database connection is cut refuses
/// within the bound and serves again when it is back. It measures latency, so
/// it runs in scripts/test's serial phase.
@Suite struct ReplicaFreshnessBinaryTests {
    typealias Node = PostgresServerBinaryTests.Node

    struct Answer {
        let status: Int
        let json: [String: Any]
    }

    static func call(_ method: HTTPMethod, _ node: Node, _ path: String, token: String?, body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(node.port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return Answer(status: Int(response.status.code), json: json)
    }

    @Test func changesOnOneNodeHoldOnTheOthersWithinTheBound() async throws {
        guard let (database, bao) = PostgresServerBinaryTests.peers() else { return }
        let shared = try PostgresServerBinaryTests.sharedDirectory(database)
        defer { try? FileManager.default.removeItem(at: shared) }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        // Node C reaches the database through a proxy the test can cut.
        let proxy = try await CuttableTCPProxy.start(to: database.host ?? "127.0.0.1", port: database.port ?? 5432)
        // The default bound (1 s): this suite runs alone, in the serial phase.
        let a = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "a", freshnessBound: .seconds(1))
        let b = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "b", freshnessBound: .seconds(1))
        let c = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "c", databasePort: proxy.port,
                         freshnessBound: .seconds(1))
        let key = "acme-l1-\(UUID().uuidString.prefix(8).lowercased())"
        let l1 = KeystoreReference(provider: "customer-bao", key: key)
        _ = try await TransitClient(address: bao, token: "root").call(.POST, "transit/keys/\(key)", [:], reference: l1)

        var servers: [Process] = []
        defer { servers.forEach(EndToEndTests.stop) }
        // Declared after: the connection is back before the servers are stopped.
        defer { proxy.stop() }
        for node in [a, b, c] { servers.append(try await node.start()) }
        let initRun = try EndToEndTests.openkcm(["operator", "init", "--output", "json"], port: a.port, token: nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        for node in [b, c] {
            let unsealed = try await Eventually.holds(every: .milliseconds(200)) {
                EndToEndTests.json(try node.cli(["operator", "status", "--output", "json"], nil).stdout)["sealed"] as? Bool == false
            }
            #expect(unsealed, "node on port \(node.port) did not unseal")
        }
        #expect(try a.cli(["tenant", "create", "acme", "--l1-provider", "customer-bao", "--l1-key", key], root).status == 0)
        #expect(try a.cli(["service", "create", "--tenant", "acme", "payments"], root).status == 0)
        let identity = try a.cli(["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--output", "json"], root)
        let app = try #require(EndToEndTests.json(identity.stdout)["token"] as? String, "\(identity.stderr)")
        let service = "/v1/tenants/acme/services/payments"

        func datakey(_ node: Node) async throws -> Answer { try await Self.call(.POST, node, "\(service)/datakey", token: app, body: "{}") }
        func unwrap(_ node: Node, _ wrapped: String) async throws -> Answer {
            try await Self.call(.POST, node, "\(service)/unwrap", token: app, body: #"{"wrapped":"\#(wrapped)"}"#)
        }
        /// How long until `node` answers `wanted` (polled every 10 ms), or nil after 10 s.
        func delay(_ node: Node, since start: ContinuousClock.Instant, until wanted: @escaping (Answer) -> Bool,
                   _ request: () async throws -> Answer) async throws -> Duration? {
            while ContinuousClock.now - start < .seconds(10) {
                if wanted(try await request()) { return ContinuousClock.now - start }
                try await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }

        // Every node has the tenant in memory: each makes a key the others open.
        var blobs: [String] = []
        for node in [a, b, c] {
            let made = try await datakey(node)
            blobs.append(try #require(made.json["wrapped"] as? String, "\(made.json)"))
        }
        for node in [a, b, c] {
            for blob in blobs { #expect(try await unwrap(node, blob).status == 200) }
        }

        // Unlink on A: refused on B and C within 1 s of A's answer.
        #expect(try await Self.call(.DELETE, a, "/v1/tenants/acme/l1", token: root).status == 200)
        var start = ContinuousClock.now
        for (name, node) in [("B", b), ("C", c)] {
            let refused = try await delay(node, since: start, until: { $0.status == 423 }) { try await unwrap(node, blobs[0]) }
            print("replicas: unlink on A -> refused on \(name) after \(refused.map { "\($0)" } ?? "never")")
            #expect(refused != nil && refused! < .seconds(1), "\(name)")
        }
        // Relinked on A: open again on B and C.
        let relinked = try await Self.call(.PUT, a, "/v1/tenants/acme/l1", token: root, body: #"{"provider":"customer-bao","key":"\#(key)"}"#)
        #expect(relinked.status == 200, "\(relinked.json)")
        start = ContinuousClock.now
        for (name, node) in [("B", b), ("C", c)] {
            let opened = try await delay(node, since: start, until: { $0.status == 200 }) { try await unwrap(node, blobs[1]) }
            print("replicas: relink on A -> opens on \(name) after \(opened.map { "\($0)" } ?? "never")")
            #expect(opened != nil && opened! < .seconds(1), "\(name)")
        }

        // Every node lists the three as up; one of them runs the L1 status check for all.
        func status(_ node: Node) throws -> [String: Any] {
            EndToEndTests.json(try node.cli(["operator", "status", "--output", "json"], nil).stdout)
        }
        let ids = try [a, b, c].map { try #require(status($0)["node"] as? String) }
        let listed = try await Eventually.holds { try status(a)["peers"] as? [String] == ids.sorted() }
        let seen = try status(a)
        #expect(listed, "\(seen)")
        func leaders(_ nodes: [Node]) throws -> [Int] {
            try nodes.indices.filter { (try status(nodes[$0])["duties"] as? [String])?.contains("l1-status") == true }
        }
        #expect(try await Eventually.holds { try leaders([a, b, c]).count == 1 })

        // The customer disables the key at OpenBao: the one node that checks stores the lock, and all three refuse.
        let transit = TransitClient(address: bao, token: "root")
        _ = try await transit.call(.DELETE, "transit/keys/\(key)/soft-delete", reference: l1)
        start = ContinuousClock.now
        for (name, node) in [("A", a), ("B", b), ("C", c)] {
            let refused = try await delay(node, since: start, until: { $0.status == 423 }) { try await unwrap(node, blobs[0]) }
            print("replicas: L1 disabled at the provider -> refused on \(name) after \(refused.map { "\($0)" } ?? "never") (5 s status check)")
            #expect(refused != nil && refused! < .seconds(7), "\(name)")
        }
        // The node running the check stops: another takes the check over, and sees the key back.
        var nodes = [a, b, c]
        let leader = try #require(try leaders(nodes).first)
        EndToEndTests.stop(servers[leader])
        nodes.remove(at: leader)
        _ = try await transit.call(.POST, "transit/keys/\(key)/soft-delete-restore", [:], reference: l1)
        start = ContinuousClock.now
        for node in nodes {
            let opened = try await delay(node, since: start, until: { $0.status == 200 }) { try await unwrap(node, blobs[0]) }
            print("replicas: checking node stopped, L1 enabled again -> opens on port \(node.port) after \(opened.map { "\($0)" } ?? "never")")
            #expect(opened != nil && opened! < .seconds(10))
        }
        #expect(try await Eventually.holds { try leaders(nodes).count == 1 })
        servers[leader] = try await [a, b, c][leader].start()

        // Rotate on A: B wraps under the new version at once, C opens it.
        let rotated = try await Self.call(.POST, a, "\(service)/rotate", token: root)
        #expect(rotated.status == 200, "\(rotated.json)")
        let underNew = try await datakey(b)
        #expect(underNew.json["serviceKeyVersion"] as? Int == 2, "\(underNew.json)")
        #expect(try await unwrap(c, try #require(underNew.json["wrapped"] as? String)).status == 200)

        // Two nodes rotating the tenant key at once: every rotation is a distinct stored version.
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for node in [a, b, a, b, a, b, a, b, a, b] {
                group.addTask { try await Self.call(.POST, node, "/v1/tenants/acme/keys/rotate", token: root).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(numbers.allSatisfy { $0 == 200 }, "\(numbers)")
        let shown = EndToEndTests.json(try c.cli(["tenant", "show", "acme", "--output", "json"], root).stdout)
        let versions = (shown["tenantKey"] as? [String: Any])?["versions"] as? [[String: Any]] ?? []
        #expect(versions.compactMap { $0["version"] as? Int } == Array(1...11), "\(shown)")

        // C cut from the database: refused within the bound, and serving again once it is back.
        proxy.cut()
        start = ContinuousClock.now
        let cut = try await delay(c, since: start, until: { $0.status == 503 }) { try await unwrap(c, blobs[2]) }
        print("replicas: C cut from PostgreSQL -> refused after \(cut.map { "\($0)" } ?? "never")")
        #expect(cut != nil && cut! < .milliseconds(1500))
        let refusal = try await unwrap(c, blobs[2]).json["code"] as? String
        #expect(["keychain.state_unconfirmed", "store.unconfirmed"].contains(refusal), "\(refusal ?? "no code")")
        // Its health check tells the load balancer; the others are not affected.
        // (As a load balancer asks: without a token.)
        let health = try await Self.call(.GET, c, "/v1/sys/health", token: nil)
        #expect(health.status == 503 && health.json["status"] as? String == "store_unreachable", "\(health.json)")
        #expect(try await Self.call(.GET, b, "/v1/sys/health", token: nil).status == 200)
        #expect(try await unwrap(b, blobs[2]).status == 200)
        proxy.restore()
        start = ContinuousClock.now
        let back = try await delay(c, since: start, until: { $0.status == 200 }) { try await unwrap(c, blobs[2]) }
        print("replicas: C's database connection back -> serves after \(back.map { "\($0)" } ?? "never")")
        #expect(back != nil)

        // Destroy on A: refused on B within 1 s (the service is gone, and so are the identities scoped to it).
        #expect(try await Self.call(.DELETE, a, service, token: root).status == 204)
        start = ContinuousClock.now
        let destroyed = try await delay(b, since: start, until: { [401, 404].contains($0.status) }) { try await unwrap(b, blobs[1]) }
        print("replicas: service destroyed on A -> refused on B after \(destroyed.map { "\($0)" } ?? "never")")
        if destroyed == nil { print("replicas: B answers \(try await unwrap(b, blobs[1]).status) \(try await unwrap(b, blobs[1]).json)") }
        #expect(destroyed != nil && destroyed! < .seconds(1))
    }
}
