import Foundation
import OpenKCMTestSupport
import Testing

/// The rotation policy and the compliance report through the real binary and
/// CLI: `openkcm key policy` sets and shows a service's period, `report
/// compliance` shows it (table, JSON, CSV), `--signed` writes a report that
/// `report verify` accepts offline and refuses once a byte changed.
@Suite struct ComplianceReportBinaryTests {
    @Test func policyReportAndSignedExportThroughTheCLI() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port, root, _, _) = try await GatewayBinaryTests.devCore(in: directory)
        defer { EndToEndTests.stop(server) }
        func cli(_ arguments: [String]) async throws -> EndToEndTests.Run {
            try await EndToEndTests.openkcmOffPool(arguments, port: port, token: root)
        }
        let set = try await cli(["key", "policy", "--tenant", "acme", "--service", "payments", "--period", "30d", "--output", "json"])
        #expect(set.status == 0, "\(set.stderr)")
        let policy = EndToEndTests.json(set.stdout)
        #expect(policy["source"] as? String == "own" && policy["periodSeconds"] as? Int == 30 * 86_400, "\(policy)")
        let refused = try await cli(["key", "policy", "--tenant", "acme", "--period", "9999d"])
        #expect(refused.status != 0 && refused.stderr.contains("keychain.invalid_rotation_policy"), "\(refused.stderr)")
        let tenantPolicy = EndToEndTests.json(try await cli(["key", "policy", "--tenant", "acme", "--output", "json"]).stdout)
        #expect(tenantPolicy["source"] as? String == "platform" && tenantPolicy["periodSeconds"] as? Int == 365 * 86_400, "\(tenantPolicy)")

        let table = try await cli(["report", "compliance"])
        #expect(table.status == 0 && table.stdout.contains("payments") && table.stdout.contains("30d (own)") && table.stdout.contains("0 overdue"), "\(table.stdout)")
        let csv = try await cli(["report", "compliance", "--csv"])
        #expect(csv.stdout.hasPrefix("tenant,service,layer") && csv.stdout.contains("acme,payments,L3,1,active,"), "\(csv.stdout)")

        let file = directory.appendingPathComponent("report.json").path
        let signed = try await cli(["report", "compliance", "--signed", file])
        #expect(signed.status == 0, "\(signed.stderr)")
        let fingerprint = try #require(EndToEndTests.json(String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self))["keyFingerprint"] as? String)
        let verified = try await EndToEndTests.openkcmOffPool(["report", "verify", file, "--fingerprint", fingerprint], port: port, token: nil)
        #expect(verified.status == 0 && verified.stdout.contains("\"overdue\":false") && verified.stderr.contains("signature valid"), "\(verified.stderr)")
        let wrongKey = try await EndToEndTests.openkcmOffPool(["report", "verify", file, "--fingerprint", String(repeating: "a", count: 64)], port: port, token: nil)
        #expect(wrongKey.status != 0, "\(wrongKey.stdout)")
        // One byte of the payload changed: refused.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let encoded = try #require(object["payload"] as? String)
        var payload = try #require(Data(base64Encoded: encoded))
        payload[10] ^= 1
        object["payload"] = payload.base64EncodedString()
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
        let unpinned = try await EndToEndTests.openkcmOffPool(["report", "verify", file], port: port, token: nil)
        #expect(unpinned.status != 0 && unpinned.stderr.contains("--fingerprint"), "a signature without a pinned key proves nothing")
        let tampered = try await EndToEndTests.openkcmOffPool(["report", "verify", file, "--unpinned"], port: port, token: nil)
        #expect(tampered.status != 0 && tampered.stderr.contains("does not verify"), "\(tampered.stderr)")
    }
}
