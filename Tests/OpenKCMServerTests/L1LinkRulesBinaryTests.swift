import Foundation
import NIOHTTP1
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing

/// The keystore connections' rules against the real binary, with OpenBao
/// transit as the customers' KMS and as the server's own seal: a tenant links
/// only the keys its connection allows it, a seal-only connection is no L1,
/// and the seal key itself is never one. Each refusal is 403 and audited.
@Suite struct L1LinkRulesBinaryTests {
    @Test func onlyAllowedKeysAreLinkedAndTheSealKeyNever() async throws {
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-l1-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try "root\n".write(toFile: path("bao.token"), atomically: true, encoding: .utf8)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let transit = TransitClient(address: bao, token: "root")
        for key in ["seal-\(suffix)", "acme-\(suffix)", "acme-other-\(suffix)", "globex-\(suffix)"] {
            _ = try await transit.call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "x", key: key))
        }
        let port = FreePort.pick()
        try """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(path("data"))"
            seal = "platform:seal-\(suffix)"

            [keystores.platform]
            type = "transit"
            address = "\(bao.absoluteString)"
            token_file = "\(path("bao.token"))"

            [keystores.acme-bao]
            type = "transit"
            address = "\(bao.absoluteString)"
            token_file = "\(path("bao.token"))"
            use = ["l1"]
            tenants = ["acme"]
            keys = ["acme-\(suffix)"]

            [keystores.seal-only]
            type = "transit"
            address = "\(bao.absoluteString)"
            token_file = "\(path("bao.token"))"
            use = ["seal"]
            """.write(toFile: path("openkcm.toml"), atomically: true, encoding: .utf8)
        let server = try GatewayBinaryTests.launch(["server", "--config", path("openkcm.toml")], output: directory.appendingPathComponent("server.log"))
        defer { EndToEndTests.stop(server) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
        let initRun = try await EndToEndTests.openkcmOffPool(["operator", "init", "--output", "json"], port: port, token: nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        func create(_ tenant: String, _ provider: String, _ key: String) async throws -> EndToEndTests.Run {
            try await EndToEndTests.openkcmOffPool(["tenant", "create", tenant, "--l1-provider", provider, "--l1-key", key], port: port, token: root)
        }
        let linked = try await create("acme", "acme-bao", "acme-\(suffix)")
        #expect(linked.status == 0, "\(linked.stderr)")
        for (what, run, code) in [
            ("another key of acme's connection", try await create("acme2", "acme-bao", "acme-other-\(suffix)"), "l1.tenant_not_allowed"),
            ("a key acme's connection does not list", try await EndToEndTests.openkcmOffPool(
                ["l1", "link", "--tenant", "acme", "--provider", "acme-bao", "--key", "acme-other-\(suffix)"], port: port, token: root), "l1.key_not_allowed"),
            ("another tenant on acme's connection", try await create("globex", "acme-bao", "acme-\(suffix)"), "l1.tenant_not_allowed"),
            ("a seal-only connection", try await create("globex", "seal-only", "globex-\(suffix)"), "l1.not_for_l1"),
            ("the seal key itself", try await create("globex", "platform", "seal-\(suffix)"), "l1.seal_key"),
        ] {
            #expect(run.status != 0 && run.stderr.contains(code), "\(what): \(run.stderr)")
        }
        // A key of the open connection is fine.
        #expect(try await create("globex", "platform", "globex-\(suffix)").status == 0)
        let audit = try await EndToEndTests.openkcmOffPool(["audit", "list", "--limit", "1000", "--output", "json"], port: port, token: root)
        for code in ["l1.tenant_not_allowed", "l1.key_not_allowed", "l1.not_for_l1", "l1.seal_key"] {
            #expect(audit.stdout.contains(code), "\(code) is not in the audit log")
        }
    }
}
