import Foundation
import NIOHTTP1
import OpenKCMCore
import OpenKCMPKI
import OpenKCMTestSupport
import OpenKCMTransit
import Testing
import X509

/// Issue 17's attack on the store, against the real binary: an operator with
/// write access to the data directory but without the MasterKey stops the
/// server, puts back with `sqlite3` the row an operation changed (an identity
/// revocation, an L1 unlink, a minimum-version raise, a KMIP Revoke and
/// Destroy, a trusted-CA removal) or deletes the row it added (an L4
/// revocation), and starts it again. Each is refused with the barrier's typed
/// error, nothing is served from the row, and the records nobody touched
/// still work. `StoreRollbackTests` goes through the same rows on an
/// in-process core, and the migration and whole-store cases besides.
@Suite struct StoreRollbackBinaryTests {
    /// One server on its own data directory: auto-unsealed by a software seal,
    /// its customers' L1s in OpenBao transit, a KMIP listener for PyKMIP.
    struct Node {
        let directory: URL
        let port = FreePort.pick()
        let kmipPort = FreePort.pick()

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        /// The last lines the server wrote, for a failure's message.
        var log: String {
            let text = (try? String(contentsOfFile: path("server.log"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").suffix(40).joined(separator: "\n")
        }
        var config: URL { directory.appendingPathComponent("openkcm.toml") }
        var file: SQLiteRows { SQLiteRows(database: path("data/openkcm.sqlite")) }

        init(bao: URL) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-store-rollback-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try KMIPListenerTests.makeCertificates(in: directory)
            try "root\n".write(to: directory.appendingPathComponent("bao.token"), atomically: true, encoding: .utf8)
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
                """.write(to: config, atomically: true, encoding: .utf8)
        }

        /// Starts the server and waits until it answers, unsealed by its seal.
        func start() async throws -> Process {
            // Its output appended to server.log, read back when a step fails.
            let log = directory.appendingPathComponent("server.log")
            if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: log)
            try handle.seekToEnd()
            let server = Process()
            server.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
            server.arguments = ["server", "--config", config.path]
            server.standardOutput = handle
            server.standardError = handle
            try server.run()
            let status = try await AutoUnsealServerTests.waitForStatus(port: port)
            #expect(status["initialized"] as? Bool == false || status["sealed"] as? Bool == false, "\(status)")
            return server
        }

        func cli(_ arguments: [String], _ token: String?) throws -> EndToEndTests.Run {
            try EndToEndTests.openkcm(arguments, port: port, token: token)
        }

        /// A tenant with service payments on a fresh transit key, and its crypto identity's token.
        func customer(_ tenant: String, root: String, transit: TransitClient) async throws -> String {
            let key = "\(tenant)-l1-\(UUID().uuidString.prefix(8).lowercased())"
            _ = try await transit.call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "customer-bao", key: key))
            let created = try cli(["tenant", "create", tenant, "--l1-provider", "customer-bao", "--l1-key", key], root)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(try cli(["service", "create", "--tenant", tenant, "payments"], root).status == 0)
            let identity = try identity("\(tenant)-app", tenant: tenant, root: root)
            return identity.token
        }

        func identity(_ name: String, tenant: String, root: String, certificate: String? = nil) throws -> (id: String, token: String) {
            let run = try cli(["identity", "create", name, "--role", "crypto", "--tenant", tenant, "--service", "payments", "--output", "json"]
                              + (certificate.map { ["--certificate-file", $0] } ?? []), root)
            let answer = EndToEndTests.json(run.stdout)
            let id = try #require((answer["identity"] as? [String: Any])?["id"] as? String, "\(run.stderr)")
            return (id, answer["token"] as? String ?? "")
        }

        /// A new data key's wrapped blob.
        func dataKey(_ tenant: String, _ token: String) throws -> String {
            let run = try cli(["datakey", "--tenant", tenant, "--service", "payments", "--output", "json"], token)
            return try #require(EndToEndTests.json(run.stdout)["wrapped"] as? String, "\(run.stderr)")
        }

        func unwrap(_ tenant: String, _ token: String, _ wrapped: String) throws -> EndToEndTests.Run {
            try cli(["unwrap", "--tenant", tenant, "--service", "payments", "--output", "json", wrapped], token)
        }
    }

    /// Expects `run` refused with the barrier's `code`, no key material in its output.
    static func expectRefused(_ run: EndToEndTests.Run, _ code: String, _ what: String) {
        #expect(run.status != 0 && run.stderr.contains(code), "\(what): \(run.status) \(run.stdout) \(run.stderr)")
        #expect(!run.stdout.contains("plaintext"), "\(what): \(run.stdout)")
        print("\(what) -> \(run.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    @Test func rowsPutBackOrDeletedInAStoppedServersFileAreRefused() async throws {
        guard let python = ProcessInfo.processInfo.environment["OPENKCM_PYKMIP_PYTHON"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_PYKMIP_PYTHON"))) }
            return
        }
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let node = try Node(bao: bao)
        defer { try? FileManager.default.removeItem(at: node.directory) }
        let transit = TransitClient(address: bao, token: "root")
        var server = try await node.start()
        defer { EndToEndTests.stop(server) }
        let initRun = try node.cli(["operator", "init", "--output", "json"], nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")

        // Four customers: acme (identities, an L4 revocation, KMIP objects), unlinked, minver, and initech whose rows nobody touches.
        let acme = try await node.customer("acme", root: root, transit: transit)
        let unlinkedApp = try await node.customer("unlinked", root: root, transit: transit)
        let minverApp = try await node.customer("minver", root: root, transit: transit)
        let controlApp = try await node.customer("initech", root: root, transit: transit)
        let controlBlob = try node.dataKey("initech", controlApp)
        let kmip = KMIPProbe(python: python, port: node.kmipPort, directory: node.directory)
        _ = try node.identity("acme-kmip", tenant: "acme", root: root, certificate: node.path("client.pem"))

        // Each operation, with the rows it changes read before it.
        let doomed = try node.identity("doomed", tenant: "acme", root: root)
        _ = try node.dataKey("acme", doomed.token)
        let identityRows = try node.file.rows("identities/\(doomed.id)")
        #expect(identityRows.count == 1)
        let revokedIdentity = try node.cli(["identity", "revoke", doomed.id], root)
        #expect(revokedIdentity.status == 0, "\(revokedIdentity.stderr)")
        // The revocation is in the file at once (a flake once looked as if it never got there).
        let revokedRows = try node.file.rows("identities/\(doomed.id)")
        #expect(revokedRows.count == 1 && revokedRows != identityRows, "the revocation did not reach the store file: \(revokedIdentity.stdout) \(node.log)")
        Self.expectRefused(try node.cli(["datakey", "--tenant", "acme", "--service", "payments"], doomed.token), "access.", "revoked identity")

        let unlinkedBlob = try node.dataKey("unlinked", unlinkedApp)
        let unlinkedRows = try node.file.rows("tenants/unlinked")
        #expect(try node.cli(["l1", "unlink", "--tenant", "unlinked"], root).status == 0)
        #expect(try node.unwrap("unlinked", unlinkedApp, unlinkedBlob).status != 0)

        let minverBlob = try node.dataKey("minver", minverApp)
        #expect(try node.cli(["key", "rotate", "--tenant", "minver"], root).status == 0)
        let minverRows = try node.file.rows("tenants/minver")
        let raised = try node.cli(["key", "min-version", "--tenant", "minver", "--version", "2"], root)
        #expect(raised.status == 0, "\(raised.stderr)")
        #expect(try node.unwrap("minver", minverApp, minverBlob).status != 0)

        let revokedBlob = try node.dataKey("acme", acme)
        let revoked = try node.cli(["datakey", "revoke", "--tenant", "acme", "--service", "payments", revokedBlob], acme)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try node.unwrap("acme", acme, revokedBlob).status != 0)

        let first = try #require(try await kmip.run(node.path("client.pem"), node.path("client.key"), ["2.0", "create"])["uid"] as? String)
        let second = try #require(try await kmip.run(node.path("client.pem"), node.path("client.key"), ["2.0", "create"])["uid"] as? String)
        let kmipRows = try node.file.rows("kmip/objects/acme/payments/")
        #expect(kmipRows.count == 2)
        let revokedKMIP = try await kmip.run(node.path("client.pem"), node.path("client.key"), ["2.0", "revoke", first, second])
        #expect(revokedKMIP["outcomes"] as? [String] == ["revoked", "revoked"], "\(revokedKMIP)")
        let destroyedKMIP = try await kmip.run(node.path("client.pem"), node.path("client.key"), ["2.0", "destroy", second])
        #expect(destroyedKMIP["outcomes"] as? [String] == ["destroyed"], "\(destroyedKMIP)")

        // Stopped; every row put back as it was before its operation, the L4 revocation's row deleted.
        EndToEndTests.stop(server)
        let currentRows = try [identityRows, unlinkedRows, minverRows, kmipRows].map { try node.file.rows(exactly: Array($0.keys)) }
        let revocationRows = try node.file.rows("destroyed-l4/acme/payments/")
        #expect(revocationRows.count == 1)
        for rows in [identityRows, unlinkedRows, minverRows, kmipRows] { try node.file.putBack(rows) }
        try node.file.delete(revocationRows.keys)
        server = try await node.start()

        let undone = try node.cli(["datakey", "--tenant", "acme", "--service", "payments"], doomed.token)
        Self.expectRefused(undone, "barrier.record_rolled_back", "identity revocation undone")
        if undone.status == 0 {
            Issue.record("identity rows before the revoke \(identityRows), after \(revokedRows), at the stop \(currentRows[0]); server log: \(node.log)")
        }
        Self.expectRefused(try node.unwrap("unlinked", unlinkedApp, unlinkedBlob), "barrier.record_rolled_back", "L1 unlink undone")
        Self.expectRefused(try node.unwrap("minver", minverApp, minverBlob), "barrier.record_rolled_back", "minimum version raise undone")
        Self.expectRefused(try node.unwrap("acme", acme, revokedBlob), "barrier.record_missing", "L4 revocation deleted")
        let gets = try await kmip.run(node.path("client.pem"), node.path("client.key"), ["2.0", "get", first, second])
        #expect(gets["outcomes"] as? [String] == ["GENERAL_FAILURE", "GENERAL_FAILURE"], "KMIP Revoke and Destroy undone: \(gets)")
        print("KMIP Revoke and Destroy undone -> Get: \(gets["outcomes"] ?? "")")
        // With one revocation gone the service cannot tell which of its keys are revoked: it opens none.
        let fresh = try node.dataKey("acme", acme)
        Self.expectRefused(try node.unwrap("acme", acme, fresh), "barrier.record_missing", "another key of the service whose revocation was deleted")
        // What nobody touched still works: another customer's keys, and acme's KMIP client.
        let controlOpened = try node.unwrap("initech", controlApp, controlBlob)
        #expect(controlOpened.status == 0, "\(controlOpened.stderr)")
        let made = try await kmip.run(node.path("client.pem"), node.path("client.key"), ["2.0", "create"])
        #expect(made["uid"] is String, "\(made)")
        // The refusals are in the audit log, by code.
        let audit = try node.cli(["audit", "list", "--limit", "1000", "--output", "json"], root)
        for code in ["barrier.record_rolled_back", "barrier.record_missing"] {
            #expect(audit.stdout.contains(code), "\(code) is not in the audit log")
        }

        // The operator puts the current rows back: the server serves as before the tampering, nothing repaired by itself.
        EndToEndTests.stop(server)
        for rows in currentRows { try node.file.putBack(rows) }
        try node.file.putBack(revocationRows)
        server = try await node.start()
        #expect(try node.cli(["datakey", "--tenant", "acme", "--service", "payments"], doomed.token).stderr.contains("access."))
        let stillRevoked = try node.unwrap("acme", acme, revokedBlob)
        #expect(stillRevoked.stderr.contains("datakey.revoked"), "\(stillRevoked.stderr)")
        #expect(try node.unwrap("acme", acme, fresh).status == 0)

        // A trusted CA's removal undone.
        let authority = try CertificateAuthority.create(
            subject: DistinguishedName(rfc4514: "CN=Customer CA"), notBefore: Date(), notAfter: Date().addingTimeInterval(86_400))
        try authority.certificate.pemString.write(toFile: node.path("customer-ca.pem"), atomically: true, encoding: .utf8)
        let trusted = try node.cli(["kmip", "trust-ca", "customer", "--certificate-file", node.path("customer-ca.pem"), "--output", "json"], root)
        let caID = try #require(EndToEndTests.json(trusted.stdout)["id"] as? String, "\(trusted.stderr)")
        let caRows = try node.file.rows("kmip/trusted-cas/\(caID)")
        #expect(caRows.count == 1)
        #expect(try node.cli(["kmip", "untrust-ca", caID], root).status == 0)
        EndToEndTests.stop(server)
        try node.file.putBack(caRows)
        server = try await node.start()
        Self.expectRefused(try node.cli(["kmip", "trusted-cas"], root), "barrier.record_unexpected", "trusted-CA removal undone")
    }
}
