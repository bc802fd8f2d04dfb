import Foundation
import NIOHTTP1
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing

/// What protects the store, changed through the real binary with four-eyes on:
/// the barrier key rotated (a request another root approves; every record
/// re-encrypted in the background, followed with `--wait`), the shares
/// replaced by `operator rekey` (new N and M from a quorum of the old, stored
/// only once a quorum of the new came back; the old ones no longer unseal
/// after a restart; without custodians' keys only the one who started it may
/// complete it), and a root token made by `operator generate-root` from a
/// quorum of the new shares, readable only with the private key it was
/// encrypted to, which approves nothing.
@Suite struct SealKeysBinaryTests {
    @Test func rotateRekeyAndGenerateRoot() async throws {
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-seal-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try "root\n".write(toFile: path("bao.token"), atomically: true, encoding: .utf8)
        let port = FreePort.pick()
        try """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(path("data"))"

            [approvals]
            required = 2

            [keystores.customer-bao]
            type = "transit"
            address = "\(bao.absoluteString)"
            token_file = "\(path("bao.token"))"
            """.write(toFile: path("openkcm.toml"), atomically: true, encoding: .utf8)
        func start() async throws -> Process {
            let server = try GatewayBinaryTests.launch(["server", "--config", path("openkcm.toml")], output: directory.appendingPathComponent("server.log"))
            _ = try await AutoUnsealServerTests.waitForStatus(port: port)
            return server
        }
        func cli(_ arguments: [String], _ token: String?, stdin: String? = nil) async throws -> EndToEndTests.Run {
            try await EndToEndTests.openkcmOffPool(arguments, port: port, token: token, stdin: stdin)
        }
        func json(_ arguments: [String], _ token: String?, stdin: String? = nil) async throws -> [String: Any] {
            let run = try await cli(arguments + ["--output", "json"], token, stdin: stdin)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return EndToEndTests.json(run.stdout)
        }
        var server = try await start()
        defer { EndToEndTests.stop(server) }

        let initAnswer = try await json(["operator", "init", "--shares", "3", "--threshold", "2"], nil)
        let root = try #require(initAnswer["rootToken"] as? String)
        let oldShares = try #require(initAnswer["shares"] as? [String])
        let key = "acme-l1-" + String(UUID().uuidString.prefix(8)).lowercased()
        _ = try await TransitClient(address: bao, token: "root").call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "customer-bao", key: key))
        #expect(try await cli(["tenant", "create", "acme", "--l1-provider", "customer-bao", "--l1-key", key], root).status == 0)
        #expect(try await cli(["service", "create", "--tenant", "acme", "payments"], root).status == 0)
        let app = try #require(try await json(["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments"], root)["token"] as? String)
        let dataKey = try await json(["datakey", "--tenant", "acme", "--service", "payments", "--context", "order=42"], app)
        let wrapped = try #require(dataKey["wrapped"] as? String)
        func opens(_ token: String) async throws -> Bool {
            let run = try await cli(["unwrap", "--tenant", "acme", "--service", "payments", "--context", "order=42", "--output", "json", wrapped], token)
            return EndToEndTests.json(run.stdout)["plaintext"] as? String == dataKey["plaintext"] as? String
        }
        // A second root, made by the first: it asks, the first (not made by it) approves.
        let ops = try #require(try await json(["identity", "create", "ops", "--role", "root"], root)["token"] as? String)

        // 1. Rotation: a request, then approved; the records move to term 2 in the background.
        let asked = try await cli(["operator", "rotate"], ops)
        let rotation = try #require(ApprovalsBinaryTests.pendingID(asked), "\(asked.status) \(asked.stderr)")
        #expect(try await json(["operator", "key-status"], root)["activeTerm"] as? Int == 1, "nothing ran before the approval")
        #expect(try await cli(["approval", "approve", rotation], root).status == 0)
        let keyStatus = try await json(["operator", "key-status", "--wait"], root)
        #expect(keyStatus["activeTerm"] as? Int == 2 && keyStatus["reencryptedAt"] != nil, "\(keyStatus)")
        let run = try #require(keyStatus["reencryption"] as? [String: Any])
        #expect(run["percent"] as? Double == 100 && (run["rewritten"] as? Int ?? 0) > 0 && run["failure"] == nil, "\(run)")
        #expect(try await opens(app))

        // 2. Rekey to 3 of 5: started by ops, approved by root, completed by two old shares, then verified by three new ones.
        func startRekey() async throws -> String {
            let asked = try await cli(["operator", "rekey", "init", "--shares", "5", "--threshold", "3"], ops)
            let id = try #require(ApprovalsBinaryTests.pendingID(asked), "\(asked.status) \(asked.stderr)")
            #expect(try await json(["operator", "rekey", "status"], nil)["started"] as? Bool == false)
            #expect(try await cli(["approval", "approve", id], root).status == 0)
            let rekey = try await json(["operator", "rekey", "status"], nil)
            #expect(rekey["required"] as? Int == 2 && rekey["newShares"] as? Int == 5 && rekey["newThreshold"] as? Int == 3, "\(rekey)")
            return try #require(rekey["nonce"] as? String, "\(rekey)")
        }
        var nonce = try await startRekey()
        let wrongNonce = try await cli(["operator", "rekey", "submit", "--nonce", "00"], nil, stdin: oldShares[0] + "\n")
        #expect(wrongNonce.status != 0 && wrongNonce.stderr.contains("seal.no_such_attempt"), "\(wrongNonce.stderr)")
        #expect(try await json(["operator", "rekey", "submit", "--nonce", nonce], nil, stdin: oldShares[2] + "\n")["progress"] as? Int == 1)
        // Without custodians' keys the new shares would leave in the clear: a last share without the starter's token cancels it.
        let anonymous = try await cli(["operator", "rekey", "submit", "--nonce", nonce], nil, stdin: oldShares[0] + "\n")
        #expect(anonymous.status != 0 && anonymous.stderr.contains("seal.attempt_cancelled"), "\(anonymous.stderr)")
        #expect(try await json(["operator", "rekey", "status"], nil)["started"] as? Bool == false)
        nonce = try await startRekey()
        _ = try await json(["operator", "rekey", "submit", "--nonce", nonce], nil, stdin: oldShares[2] + "\n")
        let issued = try await json(["operator", "rekey", "submit", "--nonce", nonce], ops, stdin: oldShares[0] + "\n")
        let newShares = try #require(issued["shares"] as? [String], "\(issued)")
        let verification = try #require(issued["nonce"] as? String)
        #expect(newShares.count == 5 && issued["verifying"] as? Bool == true && verification != nonce, "\(issued)")
        #expect(try await json(["operator", "status"], nil)["threshold"] as? Int == 2, "nothing changes before the new shares come back")
        for (index, share) in [newShares[1], newShares[3], newShares[4]].enumerated() {
            let answer = try await json(["operator", "rekey", "submit", "--nonce", verification], nil, stdin: share + "\n")
            #expect((answer["complete"] as? Bool == true) == (index == 2), "\(answer)")
        }
        #expect(try await json(["operator", "status"], nil)["threshold"] as? Int == 3)

        // After a restart the old shares are refused and three new ones unseal; the data key still opens.
        EndToEndTests.stop(server)
        server = try await start()
        let old = try await cli(["operator", "unseal"], nil, stdin: oldShares[1] + "\n")
        #expect(old.status != 0 && old.stderr.contains("shamir.mixed_share_sets"), "\(old.stderr)")
        for share in [newShares[4], newShares[0], newShares[2]] { _ = try await cli(["operator", "unseal"], nil, stdin: share + "\n") }
        #expect(try await json(["operator", "status"], nil)["sealed"] as? Bool == false)
        #expect(try await opens(app))
        #expect(try await json(["operator", "key-status"], root)["activeTerm"] as? Int == 2, "the keyring survived the restart")

        // 3. Generate-root: for an X25519 key; share holders see its fingerprint; only its private key reads the token.
        _ = try ListenerTLSBinaryTests.run(["openssl", "genpkey", "-algorithm", "X25519", "-out", path("me.pem")])
        _ = try ListenerTLSBinaryTests.run(["openssl", "pkey", "-in", path("me.pem"), "-pubout", "-out", path("me.pub.pem")])
        let started = try await json(["operator", "generate-root", "init", "--recipient-key", path("me.pub.pem")], nil)
        let rootNonce = try #require(started["nonce"] as? String)
        let fingerprint = try CustodianKey(pem: String(contentsOfFile: path("me.pub.pem"), encoding: .utf8)).fingerprint
        #expect(try await json(["operator", "generate-root", "status"], nil)["recipientFingerprint"] as? String == fingerprint)
        let second = try await cli(["operator", "generate-root", "init", "--recipient-key", path("me.pub.pem")], nil)
        #expect(second.stderr.contains("seal.attempt_running"), "\(second.stderr)")
        let stale = try await cli(["operator", "generate-root", "submit", "--nonce", rootNonce], nil, stdin: oldShares[0] + "\n")
        #expect(stale.status != 0 && stale.stderr.contains("shamir.mixed_share_sets"), "\(stale.stderr)")
        var last: [String: Any] = [:]
        for share in newShares.prefix(3) {
            last = try await json(["operator", "generate-root", "submit", "--nonce", rootNonce], nil, stdin: share + "\n")
        }
        let encrypted = try #require(last["encryptedToken"] as? String, "\(last)")
        #expect(!encrypted.contains("okcm."), "the token never leaves in the clear")
        let decoded = try await EndToEndTests.openkcmOffPool(["operator", "generate-root", "decode", "--private-key", path("me.pem")],
                                                            port: port, token: nil, stdin: encrypted + "\n")
        let generated = decoded.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(decoded.status == 0 && generated.hasPrefix("okcm."), "\(decoded.stderr)")
        let listed = try await json(["identity", "list"], generated)
        #expect(((listed["identities"] as? [[String: Any]]) ?? []).contains { ($0["name"] as? String)?.hasPrefix("root (generated") == true }, "\(listed)")
        #expect(try await json(["operator", "generate-root", "status"], nil)["started"] as? Bool == false)
        // The generated root stands for the share holders, not for an independent person: it approves nothing.
        let pending = try #require(ApprovalsBinaryTests.pendingID(try await cli(["operator", "rotate"], ops)))
        let generatedApproval = try await cli(["approval", "approve", pending], generated)
        #expect(generatedApproval.status != 0 && generatedApproval.stderr.contains("approval.approver_not_independent"), "\(generatedApproval.stderr)")

        // Every step is in the audit log.
        let audit = try await json(["audit", "list", "--limit", "1000"], generated)
        let operations = Set(((audit["entries"] as? [[String: Any]]) ?? []).map { "\($0["operation"] as? String ?? "") \($0["outcome"] as? String ?? "")" })
        for expected in ["sys.rotate success", "barrier.reencrypted success", "sys.rekey success", "sys.rekey.update success",
                         "sys.rekey.update refused", "sys.rekey.commit success", "sys.generate-root.init success",
                         "sys.generate-root.commit success", "sys.generate-root.complete success", "sys.generate-root.update refused"] {
            #expect(operations.contains(expected), "\(expected) not in \(operations.sorted())")
        }
    }
}
