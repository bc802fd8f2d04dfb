import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OpenKCMCore
import OpenKCMSQLite
import OpenKCMTestSupport
import Testing

/// `openkcm server --plane governance` (issue 19, first wired step): tenants
/// are their L1 reference (no L1 is called, no L2 is made), services are
/// pinned to a region, identities and audit work as on any server, and key
/// operations are refused (`plane.not_served`); the store holds governance
/// records only: no key chain record of any layer.
@Suite struct GovernancePlaneBinaryTests {
    @Test func theGovernancePlaneHoldsReferencesOnlyAndServesNoKeys() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-governance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = FreePort.pick()
        let data = directory.appendingPathComponent("data")
        let config = directory.appendingPathComponent("governance.toml")
        try """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(data.path)"
            plane = "governance"
            seal = "software:\(directory.appendingPathComponent("seal.key").path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = try EndToEndTests.startServer(config: config)
        defer { EndToEndTests.stop(server) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
        let cli = { (arguments: [String], token: String?) throws -> EndToEndTests.Run in
            try EndToEndTests.openkcm(arguments + ["--output", "json"], port: port, token: token)
        }
        let initRun = try cli(["operator", "init"], nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")

        // The customer's key is only named: the governance plane has no keystore for it and calls none.
        let created = try cli(["tenant", "create", "acme", "--l1-provider", "customer-bao", "--l1-key", "acme-root"], root)
        #expect(created.status == 0, "\(created.stderr)")
        #expect((EndToEndTests.json(created.stdout)["l1"] as? [String: Any])?["key"] as? String == "acme-root")
        for (name, region) in [("payments", "eu-central"), ("reports", "us-east")] {
            let made = try cli(["service", "create", "--tenant", "acme", name, "--region", region], root)
            #expect(made.status == 0 && EndToEndTests.json(made.stdout)["region"] as? String == region, "\(made.stderr)")
        }
        let shown = EndToEndTests.json(try cli(["tenant", "show", "acme"], root).stdout)
        let regions = (shown["services"] as? [[String: Any]])?.compactMap { $0["region"] as? String }
        #expect(regions == ["eu-central", "us-east"], "\(shown)")
        let badRegion = try cli(["service", "create", "--tenant", "acme", "x", "--region", "no/such"], root)
        #expect(badRegion.status == 1, "\(badRegion.stdout)")

        // What each region's core is to serve: its services, their tenants and L1 references, at one generation.
        let snapshot = try await Self.get("http://127.0.0.1:\(port)/v1/regions/eu-central/snapshot", token: root)
        let entries = snapshot["tenants"] as? [[String: Any]] ?? []
        #expect(entries.count == 1 && ((entries.first?["services"] as? [[String: Any]])?.compactMap { $0["id"] as? String }) == ["payments", "reports"], "\(snapshot)")
        #expect(((entries.first?["tenant"] as? [String: Any])?["l1"] as? [String: Any])?["key"] as? String == "acme-root")
        #expect((snapshot["generation"] as? Int ?? 0) > 0)

        // Identities are made here; key operations are not served.
        let identity = try cli(["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments"], root)
        let app = try #require(EndToEndTests.json(identity.stdout)["token"] as? String, "\(identity.stderr)")
        for (arguments, token) in [(["datakey", "--tenant", "acme", "--service", "payments"], app), (["key", "rotate", "--tenant", "acme"], root),
                                   (["service", "rotate", "--tenant", "acme", "payments"], root)] {
            let refused = try cli(arguments, token)
            #expect(refused.status == 1 && refused.stderr.contains("plane.not_served"), "\(arguments): \(refused.stderr)")
        }

        // The kill switch is the pointer deleted.
        let unlinked = try cli(["l1", "unlink", "--tenant", "acme"], root)
        #expect(unlinked.status == 0 && EndToEndTests.json(unlinked.stdout)["l1"] == nil, "\(unlinked.stdout) \(unlinked.stderr)")
        // The audit log names the L1 each tenant was pointed at, and each service's region.
        let audit = try cli(["audit", "list", "--limit", "1000"], root).stdout
        #expect(audit.contains("acme-root") && audit.contains("region:eu-central"), "\(audit)")
        #expect(try cli(["audit", "verify"], root).status == 0)

        // A destroyed tenant takes its identities with it.
        #expect(try cli(["tenant", "list"], app).stderr.contains("access.forbidden"))
        let destroyed = try cli(["tenant", "delete", "acme", "--yes"], root)
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        let gone = try cli(["tenant", "list"], app)
        #expect(gone.status == 1 && gone.stderr.contains("access.unauthenticated"), "\(gone.stderr)")
        EndToEndTests.stop(server)

        // What the store holds: governance records, identities, audit checkpoint, seal; no key chain record of any layer.
        let storage = try await SQLiteStorage.open(path: data.appendingPathComponent("openkcm.sqlite").path)
        let keys = try await storage.list(prefix: "")
        try await storage.close()
        #expect(keys.contains("governance/destroyed/acme") && !keys.contains { $0.hasPrefix("governance/services/acme/") }, "\(keys)")
        let keyChainFolders = ["tenants/", "services/", "subjects/", "subject-tombstones/", "destroyed-l4/", "kmip/objects/"]
        #expect(!keys.contains { key in keyChainFolders.contains { key.hasPrefix($0) } }, "\(keys)")

        // The store says which plane it serves: a server that would hold keys does not unseal on it.
        let allPort = FreePort.pick()
        try """
            [server]
            address = "127.0.0.1:\(allPort)"
            data_dir = "\(data.path)"
            seal = "software:\(directory.appendingPathComponent("seal.key").path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        let wrongPlane = try EndToEndTests.startServer(config: config)
        defer { EndToEndTests.stop(wrongPlane) }
        let status = try await AutoUnsealServerTests.waitForStatus(port: allPort)
        #expect(status["sealed"] as? Bool == true && (status["autoUnsealError"] as? String ?? "").contains("--plane governance"), "\(status)")
        EndToEndTests.stop(wrongPlane)

        // Key listeners have no place on the governance plane.
        try """
            [server]
            address = "127.0.0.1:\(FreePort.pick())"
            data_dir = "\(data.path)"
            plane = "governance"
            channel_address = "127.0.0.1:\(FreePort.pick())"
            """.write(to: config, atomically: true, encoding: .utf8)
        let refusedStart = try EndToEndTests.openkcm(["server", "--config", config.path], port: 1, token: nil)
        #expect(refusedStart.status != 0 && refusedStart.stderr.contains("governance plane serves no keys"), "\(refusedStart.stderr)")
    }

    static func get(_ url: String, token: String) async throws -> [String: Any] {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}
