import Foundation
import KMIP
import OpenKCMTestSupport
import Testing

/// Client certificates from an enterprise PKI, against the real binary: the
/// customer's root is trusted (`kmip trust-ca`), its issuing CA is not, and
/// clients present their certificate followed by the issuing CA's, as PyKMIP
/// does with a chain file. Chains are verified with swift-certificates.
@Suite struct KMIPClientChainBinaryTests {
    static func makeChain(in directory: URL, _ prefix: String, _ names: String...) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/kmip/make-intermediate-chain").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory.path, prefix] + names
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    @Test func aChainThroughAnIntermediateIsAcceptedAndOneThroughAnUntrustedIntermediateIsNot() async throws {
        guard let python = ProcessInfo.processInfo.environment["OPENKCM_PYKMIP_PYTHON"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_PYKMIP_PYTHON"))) }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-kmip-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The listener's own certificate (and the CA the probe checks it with), then two customer PKIs: acme's root is trusted, the stranger's is not.
        try KMIPListenerTests.makeCertificates(in: directory)
        try Self.makeChain(in: directory, "acme", "db-01", "db-02", "db-03")
        try Self.makeChain(in: directory, "stranger", "intruder")
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let port = FreePort.pick()
        let kmip = KMIPProbe(python: python, port: FreePort.pick(), directory: directory)
        try """
            [kmip]
            address = "127.0.0.1:\(kmip.port)"
            certificate_file = "\(path("server.pem"))"
            key_file = "\(path("server.key"))"
            client_ca_file = "\(path("ca.pem"))"
            """.write(toFile: path("openkcm.toml"), atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("server.log")
        let (server, root) = try await GatewayBinaryTests.devServer(port: port, configuration: path("openkcm.toml"), log: log)
        defer { EndToEndTests.stop(server) }
        func cli(_ arguments: [String]) async throws -> EndToEndTests.Run {
            try await EndToEndTests.openkcmOffPool(arguments, port: port, token: root)
        }
        for arguments in [["tenant", "create", "acme", "--l1-provider", "software", "--l1-key", "dev-l1"], ["service", "create", "--tenant", "acme", "payments"]] {
            let run = try await cli(arguments)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let trusted = try await cli(["kmip", "trust-ca", "acme-root", "--certificate-file", path("acme-root.pem"), "--output", "json"])
        let caID = try #require(EndToEndTests.json(trusted.stdout)["id"] as? String, "\(trusted.stderr)")
        // The issuing CA is not a root: it cannot be trusted on its own.
        #expect(try await cli(["kmip", "trust-ca", "acme-issuing", "--certificate-file", path("acme-int.pem")]).status != 0)
        // db-01 by its subject at the trusted root, db-02 by its certificate; db-03 by nothing.
        let mapped = try await cli(["kmip", "map-subject", "db-01", "--tenant", "acme", "--service", "payments", "--trusted-ca", caID,
                                    "--subject", "CN=db-01,O=acme"])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let registered = try await cli(["identity", "create", "db-02", "--role", "crypto", "--tenant", "acme", "--service", "payments",
                                        "--certificate-file", path("db-02.pem")])
        #expect(registered.status == 0, "\(registered.stderr)")

        // root -> intermediate -> leaf: accepted, by subject and by fingerprint.
        let bySubject = try await Eventually.value(every: .milliseconds(200)) {
            try? await kmip.run(path("db-01-chain.pem"), path("db-01.key"), ["1.2", "create"])["uid"] as? String
        }
        #expect(bySubject != nil, "root -> intermediate -> leaf, mapped by subject")
        let byFingerprint = try await kmip.run(path("db-02-chain.pem"), path("db-02.key"), ["2.0", "create"])
        #expect(byFingerprint["uid"] is String, "root -> intermediate -> leaf, registered by certificate: \(byFingerprint)")
        // A verified chain that maps to no identity: TLS completes, KMIP refuses.
        #expect(try await kmip.refusal(path("db-03-chain.pem"), path("db-03.key")) == .permissionDenied)

        // Without its intermediate the leaf has no path to the root: no TLS.
        #expect(try await kmip.run(path("db-01.pem"), path("db-01.key"), ["raw", KMIPProbe.discover])["connected"] as? Bool == false)
        // Through an untrusted intermediate (the stranger's own), and with acme's intermediate in front of the stranger's leaf: no TLS.
        #expect(try await kmip.run(path("intruder-chain.pem"), path("intruder.key"), ["raw", KMIPProbe.discover])["connected"] as? Bool == false)
        try (String(contentsOfFile: path("intruder.pem"), encoding: .utf8) + String(contentsOfFile: path("acme-int.pem"), encoding: .utf8))
            .write(toFile: path("intruder-acme-chain.pem"), atomically: true, encoding: .utf8)
        #expect(try await kmip.run(path("intruder-acme-chain.pem"), path("intruder.key"), ["raw", KMIPProbe.discover])["connected"] as? Bool == false)
        #expect(try String(contentsOf: log, encoding: .utf8).contains("KMIP client certificate refused"))
    }
}
