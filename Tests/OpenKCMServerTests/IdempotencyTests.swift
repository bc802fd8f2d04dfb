import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OpenKCMCore
import OpenKCMServer
import Synchronization
import Testing

/// Changes sent with an `Idempotency-Key` run once: sent again they get the
/// first answer (or, for an answer that carried a secret, `already_applied`);
/// the same key with another request is refused; data-key routes keep no
/// record; old records are swept. The CLI sends every change outside
/// `/v1/sys` with a key, so a change whose connection dropped after it was
/// sent goes on to the next replica without running twice.
@Suite struct IdempotencyTests {
    static func keyed(_ key: String) -> HTTPFields { [HTTPField.Name("Idempotency-Key")!: key] }

    @Test func aChangeSentAgainWithItsKeyRunsOnce() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let root = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            let acme: [String: Any] = ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]]
            let first = try await client.call(.post, "/v1/tenants", token: root, json: acme, headers: Self.keyed("k-1"))
            #expect(first.status == 201, "\(first.json)")
            let again = try await client.call(.post, "/v1/tenants", token: root, json: acme, headers: Self.keyed("k-1"))
            #expect(again.status == 201 && (again.json as NSDictionary) == (first.json as NSDictionary), "\(again.status) \(again.json)")
            let other = try await client.call(.post, "/v1/tenants", token: root, json: ["id": "other", "l1": ["provider": "software", "key": "customer-l1"]],
                                              headers: Self.keyed("k-1"))
            #expect(other.status == 422 && other.string("code") == "request.idempotency_key_reused")
            let tenants = try await client.call(.get, "/v1/tenants", token: root)
            #expect((tenants["tenants"] as? [Any])?.count == 1, "\(tenants.json)")

            // A refusal is an answer too: the same one comes back.
            let duplicate = try await client.call(.post, "/v1/tenants", token: root, json: acme, headers: Self.keyed("k-2"))
            #expect(duplicate.status == 409)
            let duplicateAgain = try await client.call(.post, "/v1/tenants", token: root, json: acme, headers: Self.keyed("k-2"))
            #expect(duplicateAgain.status == 409 && duplicateAgain.string("code") == duplicate.string("code"))

            // An identity's token is given once: sent again, the change is not made twice and the token is not kept.
            let identity: [String: Any] = ["name": "app", "role": "auditor"]
            let made = try await client.call(.post, "/v1/identities", token: root, json: identity, headers: Self.keyed("k-3"))
            #expect(made.status == 201 && !made.string("token").isEmpty)
            let madeAgain = try await client.call(.post, "/v1/identities", token: root, json: identity, headers: Self.keyed("k-3"))
            #expect(madeAgain.status == 409 && madeAgain.string("code") == "request.already_applied", "\(madeAgain.json)")
            #expect(!"\(madeAgain.json)".contains(made.string("token")))
            let identities = try await client.call(.get, "/v1/identities", token: root)
            #expect((identities["identities"] as? [[String: Any]])?.filter { $0["name"] as? String == "app" }.count == 1, "\(identities.json)")

            // Not a key: refused. A change refused before it started (no access) keeps nothing: judged afresh when sent again.
            let bad = try await client.call(.post, "/v1/tenants", token: root, json: acme, headers: Self.keyed("has space"))
            #expect(bad.status == 400 && bad.string("code") == "request.invalid_idempotency_key")
            let forbidden = try await client.call(.post, "/v1/tenants", token: made.string("token"), json: acme, headers: Self.keyed("k-4"))
            #expect(forbidden.status == 403)
        }
        // Three records (k-1, k-2, k-3); an old one goes at the next sweep.
        #expect(try await core.barrier.list(prefix: "idempotency/").count == 3)
        let sweeper = IdempotencySweeper(core: core)
        #expect(await sweeper.sweep() == 0)
        #expect(await sweeper.sweep(now: Date().addingTimeInterval(25 * 3600)) == 3)
        #expect(try await core.barrier.list(prefix: "idempotency/").isEmpty)
        // Every replay is audited.
        await core.auditLog.syncNow()
        let lines = try AuditLogFormat.lines(Array(Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(lines.filter { $0.operation == "tenant.create" && $0.outcome == .success }.count == 1)
        #expect(lines.filter { $0.operation == "request.replay" }.count == 4, "\(lines.map(\.operation))")
    }

    /// A replica's log from before entries named their node: entries without one, then the node's, verify
    /// against the node's checkpoint; a node's entries followed by another's (or none) are logs spliced together.
    @Test func anUploadedLogMayStartWithoutItsNodeButNeverChangesNode() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let root = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        let unsealed = try core.unsealed()
        let caller = Caller(identity: try await unsealed.identities.authenticate(root), correlationID: "c")
        let node = "node-0123456789abcdef"
        func log(_ nodes: [String?]) throws -> (Data, AuditHead) {
            var chain = AuditChain(masterKey: unsealed.masterKey)
            var bytes: [UInt8] = []
            for (index, writer) in nodes.enumerated() {
                var entry = AuditEntry(time: Date(), correlationID: "c\(index)", identity: "root", operation: "tenant.read", outcome: .success)
                entry.node = writer
                bytes += try AuditLogFormat.line(chain.seal(entry))
            }
            return (Data(bytes), chain.head)
        }
        let (upgraded, head) = try log([nil, nil, node, node])
        try await core.barrier.put("audit/checkpoints/\(node)", value: JSONEncoder().encode(head))
        let operations = Operations(core: core)
        let (verification, named) = try await operations.verifyAuditLog(upgraded, caller: caller)
        #expect(verification.isIntact && named == node, "\(verification)")
        for spliced in [[node, nil, node, node], [nil, node, "node-ffffffffffffffff", node]] as [[String?]] {
            let (bytes, _) = try log(spliced)
            let (broken, _) = try await operations.verifyAuditLog(bytes, caller: caller)
            guard case .broken(_, _, .otherNode) = broken else {
                Issue.record("\(spliced) was not caught as spliced: \(broken)")
                continue
            }
        }
    }

    @Test func theCLISendsAChangeToTheNextReplicaWhenTheFirstDropsItAfterItWasSent() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let root = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        let dropper = try ConnectionDropper()
        defer { dropper.stop() }
        try await harness.application(core).test(.live) { client async throws in
            let port = try #require(client.port)
            let addresses = "http://127.0.0.1:\(dropper.port),http://127.0.0.1:\(port)"
            let created = try await EndToEndTests.openkcmOffPool(
                ["tenant", "create", "acme", "--l1-provider", "software", "--l1-key", "customer-l1", "--address", addresses], port: port, token: root)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(dropper.dropped.withLock { $0 } >= 1, "the first address never saw the request")
            // Seal keeps no outcome: it is never sent again once it may have arrived.
            let sealed = try await EndToEndTests.openkcmOffPool(["operator", "seal", "--address", addresses], port: port, token: root)
            #expect(sealed.status == 4 && sealed.stderr.contains("may or may not have been applied"), "\(sealed.stderr)")
            #expect(!core.status.sealed)
        }
    }
}

/// A TCP listener that reads what a client sends and closes the connection
/// without answering: a replica that died after the request reached it.
final class ConnectionDropper: Sendable {
    let port: Int
    let dropped = Mutex(0)
    private let socket: Int32

    init() throws {
        let listener = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, size) } }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &size) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = listener
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                var buffer = [UInt8](repeating: 0, count: 65536)
                _ = read(connection, &buffer, buffer.count)
                dropped.withLock { $0 += 1 }
                close(connection)
            }
        }.start()
    }

    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
