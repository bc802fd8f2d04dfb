import Foundation
import NIOHTTP1
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing

/// Four-eyes against the real binary (`[approvals] required`): a tenant
/// destroyed by one governance identity is only a request until others
/// approve it; the one who asked, another tenant's scoped identity, and one
/// approving twice are refused; the act runs as the one who asked, and every
/// step is in the audit log under one correlation id. (An expired request is
/// refused too: `PendingApprovalTests`, with a clock the test holds.)
@Suite struct ApprovalsBinaryTests {
    struct Node {
        let directory: URL
        let port: Int
        let root: String
        let server: Process

        func cli(_ arguments: [String], _ token: String?) async throws -> EndToEndTests.Run {
            try await EndToEndTests.openkcmOffPool(arguments, port: port, token: token)
        }

        func identity(_ name: String, tenant: String? = nil) async throws -> String {
            let run = try await cli(["identity", "create", name, "--role", "governance", "--output", "json"] + (tenant.map { ["--tenant", $0] } ?? []), root)
            return try #require(EndToEndTests.json(run.stdout)["token"] as? String, "\(run.stderr)")
        }

        /// Starts a server needing `required` identities per guarded act, with tenants acme and globex on OpenBao transit L1s.
        static func start(required: Int, bao: URL) async throws -> Node {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-approvals-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = { (name: String) in directory.appendingPathComponent(name).path }
            try "root\n".write(toFile: path("bao.token"), atomically: true, encoding: .utf8)
            let port = FreePort.pick()
            try """
                [server]
                address = "127.0.0.1:\(port)"
                data_dir = "\(path("data"))"
                seal = "software:\(path("seal.key"))"

                [approvals]
                required = \(required)

                [approvals.tenants]
                globex = 3

                [keystores.customer-bao]
                type = "transit"
                address = "\(bao.absoluteString)"
                token_file = "\(path("bao.token"))"
                """.write(toFile: path("openkcm.toml"), atomically: true, encoding: .utf8)
            let server = try GatewayBinaryTests.launch(["server", "--config", path("openkcm.toml")], output: directory.appendingPathComponent("server.log"))
            _ = try await AutoUnsealServerTests.waitForStatus(port: port)
            let initRun = try await EndToEndTests.openkcmOffPool(["operator", "init", "--output", "json"], port: port, token: nil)
            let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
            let node = Node(directory: directory, port: port, root: root, server: server)
            let transit = TransitClient(address: bao, token: "root")
            for tenant in ["acme", "globex"] {
                let key = "\(tenant)-l1-" + String(UUID().uuidString.prefix(8)).lowercased()
                _ = try await transit.call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "customer-bao", key: key))
                let created = try await node.cli(["tenant", "create", tenant, "--l1-provider", "customer-bao", "--l1-key", key], root)
                #expect(created.status == 0, "\(created.stderr)")
            }
            return node
        }
    }

    /// The pending request's id from a command's stderr ("Pending approval <id>: ...").
    static func pendingID(_ run: EndToEndTests.Run) -> String? {
        guard run.status == 5, let range = run.stderr.range(of: "Pending approval ") else { return nil }
        return String(run.stderr[range.upperBound...].prefix(24))
    }

    @Test func aTenantDestroyWaitsForASecondIdentity() async throws {
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let node = try await Node.start(required: 2, bao: bao)
        defer { EndToEndTests.stop(node.server); try? FileManager.default.removeItem(at: node.directory) }
        let (alice, bob, globexOnly) = (try await node.identity("alice"), try await node.identity("bob"), try await node.identity("globex-gov", tenant: "globex"))

        let asked = try await node.cli(["tenant", "delete", "acme", "--yes"], alice)
        let id = try #require(Self.pendingID(asked), "\(asked.status) \(asked.stderr)")
        #expect(try await node.cli(["tenant", "show", "acme"], node.root).status == 0, "nothing ran yet")
        let listed = EndToEndTests.json(try await node.cli(["approval", "list", "--output", "json"], bob).stdout)
        #expect((listed["approvals"] as? [[String: Any]])?.first?["id"] as? String == id)

        let own = try await node.cli(["approval", "approve", id], alice)
        #expect(own.status != 0 && own.stderr.contains("approval.own_request"), "\(own.stderr)")
        // An identity made after the request cannot approve it: holding root must not be enough to meet four-eyes alone.
        let late = try await node.identity("late")
        let minted = try await node.cli(["approval", "approve", id], late)
        #expect(minted.status != 0 && minted.stderr.contains("approval.approver_not_independent"), "\(minted.stderr)")
        let stranger = try await node.cli(["approval", "approve", id], globexOnly)
        #expect(stranger.status != 0 && stranger.stderr.contains("access.out_of_scope"), "\(stranger.stderr)")
        #expect(try await node.cli(["tenant", "show", "acme"], node.root).status == 0, "still nothing ran")

        let approved = try await node.cli(["approval", "approve", id, "--output", "json"], bob)
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect((EndToEndTests.json(approved.stdout)["approval"] as? [String: Any])?["state"] as? String == "executed", "\(approved.stdout)")
        #expect(try await node.cli(["tenant", "show", "acme"], node.root).stderr.contains("not_found"), "the tenant is destroyed")
        let again = try await node.cli(["approval", "approve", id], bob)
        #expect(again.status != 0 && again.stderr.contains("approval.not_pending"), "\(again.stderr)")

        // A rejected request never runs; the one who asked may withdraw. (Globex's own policy asks for 3 identities.)
        let unlink = try #require(Self.pendingID(try await node.cli(["l1", "unlink", "--tenant", "globex"], alice)))
        let waiting = EndToEndTests.json(try await node.cli(["approval", "list", "--output", "json"], alice).stdout)
        #expect((waiting["approvals"] as? [[String: Any]])?.first { $0["id"] as? String == unlink }?["required"] as? Int == 3, "\(waiting)")
        #expect(try await node.cli(["approval", "reject", unlink], alice).status == 0)
        #expect(try await node.cli(["approval", "approve", unlink], bob).stderr.contains("approval.not_pending"))

        // The audit log: the request, each refusal, the approval, and the destroy as alice's, all under the request's correlation id.
        let audit = try await node.cli(["audit", "list", "--limit", "1000", "--output", "json"], node.root)
        let entries = (EndToEndTests.json(audit.stdout)["entries"] as? [[String: Any]]) ?? []
        let mine = entries.filter { ($0["key"] as? String)?.contains("approval:\(id)") == true }
        let correlation = try #require(mine.first?["correlationId"] as? String ?? mine.first?["correlationID"] as? String, "\(mine)")
        #expect(Set(mine.compactMap { ($0["correlationId"] ?? $0["correlationID"]) as? String }) == [correlation])
        let operations = mine.map { "\($0["operation"] as? String ?? "") \($0["outcome"] as? String ?? "") \($0["errorCode"] as? String ?? "")" }
        for expected in ["approval.request success", "approval.approve refused approval.own_request", "approval.approve refused access.out_of_scope",
                         "approval.approve success", "tenant.destroy success"] {
            #expect(operations.contains { $0.hasPrefix(expected) }, "\(expected) not in \(operations)")
        }
    }

    @Test func threeIdentitiesMeanTwoApproversEachOnce() async throws {
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let node = try await Node.start(required: 3, bao: bao)
        defer { EndToEndTests.stop(node.server); try? FileManager.default.removeItem(at: node.directory) }
        let (alice, bob, carol) = (try await node.identity("alice"), try await node.identity("bob"), try await node.identity("carol"))
        #expect(try await node.cli(["service", "create", "--tenant", "acme", "payments"], node.root).status == 0)
        let asked = try await node.cli(["service", "delete", "--tenant", "acme", "payments", "--yes"], alice)
        let id = try #require(Self.pendingID(asked), "\(asked.status) \(asked.stderr)")
        let first = try await node.cli(["approval", "approve", id, "--output", "json"], bob)
        #expect((EndToEndTests.json(first.stdout)["approval"] as? [String: Any])?["state"] as? String == "pending", "\(first.stdout) \(first.stderr)")
        let twice = try await node.cli(["approval", "approve", id], bob)
        #expect(twice.status != 0 && twice.stderr.contains("approval.already_approved"), "\(twice.stderr)")
        let last = try await node.cli(["approval", "approve", id, "--output", "json"], carol)
        #expect((EndToEndTests.json(last.stdout)["approval"] as? [String: Any])?["state"] as? String == "executed", "\(last.stdout) \(last.stderr)")
        // Sealing needs root: governance identities cannot approve it, a root identity the asking root made cannot
        // either (made before the request, but by it), and root asking alone does not seal.
        let secondRoot = try #require(EndToEndTests.json(try await node.cli(["identity", "create", "root-2", "--role", "root", "--output", "json"], node.root).stdout)["token"] as? String)
        let seal = try #require(Self.pendingID(try await node.cli(["operator", "seal"], node.root)))
        #expect(try await node.cli(["approval", "approve", seal], bob).stderr.contains("access.forbidden"))
        #expect(try await node.cli(["approval", "approve", seal], secondRoot).stderr.contains("approval.approver_not_independent"))
        #expect(try await node.cli(["tenant", "show", "acme"], node.root).status == 0, "still unsealed")
    }
}
