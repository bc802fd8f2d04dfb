import Foundation
import HTTPTypes
import HummingbirdTesting
import OpenKCMServer
import NIOHTTP1
import Testing
import OpenKCMCore
import OpenKCMTransit
import KMIP
import OpenKCMTestSupport

/// The KMIP listener on the real binary, with a real KMIP client (PyKMIP) over
/// mutual TLS: a registered client certificate negotiates versions and
/// queries in KMIP 1.0, 1.2 and 2.0; a certificate from the same CA that is
/// not registered gets Permission Denied; no certificate, no TLS session;
/// TLS 1.2 and 1.3 sessions resume.
@Suite struct KMIPListenerTests {
    static var probe: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/kmip/pykmip_probe.py").path
    }

    /// A CA, a server certificate for 127.0.0.1, and three client certificates (scripts/kmip/make-certificates).
    static func makeCertificates(in directory: URL) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/kmip/make-certificates").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory.path, "client", "other", "third"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    static func runProbe(_ python: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [probe] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["unparsed": String(decoding: data, as: UTF8.self)]
    }

    @Test func aRealClientOverMutualTLS() async throws {
        guard let python = ProcessInfo.processInfo.environment["OPENKCM_PYKMIP_PYTHON"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_PYKMIP_PYTHON"))) }
            return
        }
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-kmip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makeCertificates(in: directory)
        let port = FreePort.pick()
        let kmipPort = FreePort.pick()
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let configFile = directory.appendingPathComponent("openkcm.toml")
        try """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(path("data"))"
            seal = "software:\(path("seal.key"))"

            [kmip]
            address = "127.0.0.1:\(kmipPort)"
            certificate_file = "\(path("server.pem"))"
            key_file = "\(path("server.key"))"
            client_ca_file = "\(path("ca.pem"))"

            [keystores.customer-bao]
            type = "transit"
            address = "\(bao.absoluteString)"
            token_file = "\(path("bao.token"))"
            """.write(to: configFile, atomically: true, encoding: .utf8)
        try "root".write(to: directory.appendingPathComponent("bao.token"), atomically: true, encoding: .utf8)
        let transit = TransitClient(address: bao, token: "root")
        let l1Keys = ["acme-\(UUID().uuidString.prefix(8).lowercased())", "globex-\(UUID().uuidString.prefix(8).lowercased())"]
        for key in l1Keys { _ = try await transit.call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "bao", key: key)) }
        let server = try EndToEndTests.startServer(config: configFile)
        defer { EndToEndTests.stop(server) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
        let initRun = try EndToEndTests.openkcm(["operator", "init", "--output", "json"], port: port, token: nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        for (tenant, key) in zip(["acme", "globex"], l1Keys) {
            #expect(try EndToEndTests.openkcm(["tenant", "create", tenant, "--l1-provider", "customer-bao", "--l1-key", key], port: port, token: root).status == 0)
            #expect(try EndToEndTests.openkcm(["service", "create", "--tenant", tenant, "payments"], port: port, token: root).status == 0)
        }
        let registered = try EndToEndTests.openkcm(["identity", "create", "acme-kmip", "--role", "crypto", "--tenant", "acme", "--service", "payments",
                                                    "--certificate-file", path("client.pem"), "--output", "json"], port: port, token: root)
        #expect(registered.status == 0, "\(registered.stderr)")

        // Python runs off the cooperative pool (KMIPProbe), so the other suites' timers keep running meanwhile.
        let kmip = KMIPProbe(python: python, port: kmipPort, directory: directory)
        for version in ["1.0", "1.2", "2.0"] {
            let answer = try await kmip.run(path("client.pem"), path("client.key"), [version])
            let discover = answer["discover"] as? [String: Any] ?? [:]
            let query = answer["query"] as? [String: Any] ?? [:]
            #expect(answer["connected"] as? Bool == true && discover["status"] as? String == "SUCCESS", "\(version): \(answer)")
            #expect((discover["versions"] as? [String])?.first == "2.1", "\(version): \(answer)")
            #expect(query["status"] as? String == "SUCCESS" && query["vendor"] as? String == "OpenKCM", "\(version): \(answer)")
            // Query names only operations the client's version defines.
            var operations: Set<String> = ["QUERY", "CREATE", "REGISTER", "REKEY", "LOCATE", "GET", "GET_ATTRIBUTES", "GET_ATTRIBUTE_LIST",
                                           "ADD_ATTRIBUTE", "MODIFY_ATTRIBUTE", "DELETE_ATTRIBUTE", "ACTIVATE", "REVOKE", "DESTROY", "CHECK", "CREATE_KEY_PAIR",
                                           "DERIVE_KEY"]
            if version != "1.0" {
                operations.formUnion(["DISCOVER_VERSIONS", "ENCRYPT", "DECRYPT", "MAC", "MAC_VERIFY", "SIGN", "SIGNATURE_VERIFY", "REKEY_KEY_PAIR",
                                      "HASH", "RNG_RETRIEVE", "RNG_SEED"])
            }
            if version == "2.0" { operations.formUnion(["SET_ATTRIBUTE", "LOG", "INTEROP"]) }
            #expect(Set(query["operations"] as? [String] ?? []) == operations, "\(version): \(answer)")

            // KMIP 1.2 and 2.0 go through every operation in scripts/kmip/test_pykmip_acceptance.py; 1.0 here.
            guard version == "1.0" else { continue }
            // A key's life: Create, Activate, Get (32 bytes), State, no Destroy while Active, Revoke, Destroy, gone.
            let life = try await kmip.run(path("client.pem"), path("client.key"), [version, "lifecycle"])
            let steps = life["steps"] as? [String: [String: Any]] ?? [:]
            #expect(steps["create"]?["ok"] as? Bool == true && steps["activate"]?["ok"] as? Bool == true, "\(version): \(life)")
            #expect(steps["get"]?["value"] as? Int == 32 && steps["state"]?["value"] as? [String] == ["ACTIVE"], "\(version): \(life)")
            #expect(steps["destroy-active"]?["ok"] as? Bool == false && steps["revoke"]?["ok"] as? Bool == true, "\(version): \(life)")
            #expect(steps["destroy"]?["ok"] as? Bool == true, "\(version): \(life)")
            #expect((steps["get-after-destroy"]?["error"] as? String)?.contains("ITEM_NOT_FOUND") == true, "\(version): \(life)")

            // Register a 96-byte secret and a named AES key; the secret comes back intact; Locate by name and by type.
            let registered = try await kmip.run(path("client.pem"), path("client.key"), [version, "register-locate"])
            #expect(registered["secret_round_trip"] as? Bool == true && registered["by_name"] as? Bool == true
                    && registered["by_type"] as? Bool == true, "\(version): \(registered)")
        }

        // Another tenant's client cannot reach acme's key, and acme's own client can.
        let created = try await kmip.run(path("client.pem"), path("client.key"), ["1.2", "create"])
        let uid = try #require(created["uid"] as? String, "\(created)")
        #expect(try EndToEndTests.openkcm(["identity", "create", "globex-kmip", "--role", "crypto", "--tenant", "globex", "--service", "payments",
                                           "--certificate-file", path("other.pem")], port: port, token: root).status == 0)
        let stranger = try await kmip.run(path("other.pem"), path("other.key"), ["1.2", "get", uid])
        #expect(stranger["outcomes"] as? [String] == ["ITEM_NOT_FOUND"], "\(stranger)")
        let owner = try await kmip.run(path("client.pem"), path("client.key"), ["1.2", "get", uid])
        #expect(owner["outcomes"] as? [String] == ["got"], "\(owner)")

        // Same CA, not registered ("third"): a KMIP answer refusing every batch item with Permission Denied.
        let discoverRequest = "42007801000000604200770100000038420069010000002042006a0200000004000000010000000042006b0200000004000000010000000042000d0200000004000000010000000042000f010000001842005c05000000040000001e000000004200790100000000"
        let refused = try await kmip.run(path("third.pem"), path("third.key"), ["raw", discoverRequest])
        let bytes = Array(try #require((refused["response"] as? String).flatMap { hex in
            stride(from: 0, to: hex.count, by: 2).map { UInt8(hex[hex.index(hex.startIndex, offsetBy: $0)..<hex.index(hex.startIndex, offsetBy: $0 + 2)], radix: 16)! }
        }, "\(refused)"))
        let response = try KMIPResponseMessage(TTLVDecoder().decode(bytes))
        #expect(response.batchItems.first?.resultStatus == .operationFailed && response.batchItems.first?.resultReason == .permissionDenied)
        // TLS session resumption, 1.2 and 1.3: the second connection resumes the first's session.
        let resumed = try await kmip.run(path("client.pem"), path("client.key"), ["resume", discoverRequest])
        #expect(resumed["1.2"] as? [Bool] == [false, true] && resumed["1.3"] as? [Bool] == [false, true], "\(resumed)")
        // No client certificate: no TLS session at all.
        let anonymous = try await kmip.run("-", "-", ["raw", discoverRequest])
        #expect(anonymous["connected"] as? Bool == false, "\(anonymous)")
        // The refusal is audited.
        let audit = try EndToEndTests.openkcm(["audit", "list", "--limit", "1000", "--output", "json"], port: port, token: root)
        #expect(audit.stdout.contains("kmip.session"), "\(audit.stdout.prefix(500))")
        for operation in ["kmip.create", "kmip.register", "kmip.get", "kmip.locate", "kmip.destroy"] {
            #expect(audit.stdout.contains(operation), "\(operation) is not in the audit log")
        }
    }
}

/// Registering a KMIP client's certificate: a PEM certificate for a crypto
/// identity only, one live identity per certificate.
@Suite struct KMIPClientRegistrationTests {
    @Test func certificatesAreCheckedWhenRegistered() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let directory = harness.directory
        try KMIPListenerTests.makeCertificates(in: directory)
        let pem = try String(contentsOf: directory.appendingPathComponent("client.pem"), encoding: .utf8)
        let core = try await harness.makeCore()
        let root = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client in
            let crypto: [String: Any] = ["name": "k", "role": "crypto", "tenant": "acme", "service": "payments"]
            var body = crypto
            body["certificate"] = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
            #expect(try await client.call(.post, "/v1/identities", token: root, json: body).status == 400)
            #expect(try await client.call(.post, "/v1/identities", token: root, json: ["name": "g", "role": "governance", "certificate": pem]).status == 400)
            body["certificate"] = pem
            let first = try await client.call(.post, "/v1/identities", token: root, json: body)
            #expect(first.status == 201 && ((first["identity"] as? [String: Any])?["certificateFingerprint"] as? String)?.count == 64)
            #expect(try await client.call(.post, "/v1/identities", token: root, json: body).status == 400)
            // Revoked, the certificate can be registered again (for a new identity).
            let id = try #require((first["identity"] as? [String: Any])?["id"] as? String)
            #expect(try await client.call(.delete, "/v1/identities/\(id)", token: root).status == 204)
            #expect(try await client.call(.post, "/v1/identities", token: root, json: body).status == 201)
        }
    }
}
