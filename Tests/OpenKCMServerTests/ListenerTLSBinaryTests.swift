import Foundation
import OpenKCMTestSupport
import Testing

/// Issue 20's one TLS policy, seen from outside the real binary: sslscan
/// (Debian's, installed by `scripts/test`) against REST over HTTPS, the
/// data-key channel, the KMIP listener and the gateway's KMIP listener finds only TLS 1.2 and 1.3, and in
/// TLS 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305; `openssl s_client`
/// cannot get TLS 1.1 from any of them. A KMIP listener opened by name to
/// KMIP 1.x's suites adds exactly those two, still in TLS 1.2 only. Plain HTTP
/// past loopback does not start without `allow_plaintext`.
@Suite struct ListenerTLSBinaryTests {
    /// What sslscan found on a port: protocol -> accepted suites.
    static func scan(_ port: Int, directory: URL) throws -> [String: Set<String>] {
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let output = try run(["sslscan", "--no-colour", "--no-heartbleed", "--no-renegotiation", "--no-compression", "--no-fallback", "--no-groups",
                              "--certs=\(path("client.pem"))", "--pk=\(path("client.key"))", "127.0.0.1:\(port)"])
        var found: [String: Set<String>] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("Accepted") || line.hasPrefix("Preferred") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5 else { continue }
            found[String(fields[1]), default: []].insert(String(fields[4]))
        }
        for line in output.split(separator: "\n") where line.hasPrefix("SSLv") || line.hasPrefix("TLSv") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // A protocol sslscan calls enabled counts even when no suite line named it.
            if fields.count == 2, fields[1] == "enabled", found[String(fields[0])] == nil { found[String(fields[0])] = [] }
        }
        return found
    }

    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static let policySuites: Set<String> = ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"]

    @Test func everyListenerOffersOnlyTheOnePolicy() async throws {
        guard (try? Self.run(["sslscan", "--version"]))?.contains("2.") == true else {
            if Peers.required { Issue.record("sslscan is not installed (scripts/test installs Debian's)") }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-listener-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try KMIPListenerTests.makeCertificates(in: directory)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let (port, channelPort, kmipPort, legacyPort) = (FreePort.pick(), FreePort.pick(), FreePort.pick(), FreePort.pick())
        func configuration(kmip: Int, channel: Int?, compatibility: String?) -> String {
            """
            [server]
            tls_certificate_file = "\(path("server.pem"))"
            tls_key_file = "\(path("server.key"))"
            \(channel.map { "channel_address = \"127.0.0.1:\($0)\"" } ?? "")

            [kmip]
            address = "127.0.0.1:\(kmip)"
            certificate_file = "\(path("server.pem"))"
            key_file = "\(path("server.key"))"
            client_ca_file = "\(path("ca.pem"))"
            \(compatibility.map { "tls_compatibility = \"\($0)\"" } ?? "")
            """
        }
        try configuration(kmip: kmipPort, channel: channelPort, compatibility: nil).write(toFile: path("modern.toml"), atomically: true, encoding: .utf8)
        try configuration(kmip: legacyPort, channel: nil, compatibility: "kmip-1.x-suites").write(toFile: path("legacy.toml"), atomically: true, encoding: .utf8)
        let modern = try GatewayBinaryTests.launch(["server", "--dev", "--address", "127.0.0.1:\(port)", "--config", path("modern.toml")],
                                                   output: directory.appendingPathComponent("modern.log"))
        defer { EndToEndTests.stop(modern) }
        let legacy = try GatewayBinaryTests.launch(["server", "--dev", "--address", "127.0.0.1:\(FreePort.pick())", "--config", path("legacy.toml")],
                                                   output: directory.appendingPathComponent("legacy.log"))
        defer { EndToEndTests.stop(legacy) }
        // The gateway's KMIP listener (its local HTTP API is loopback-only plain HTTP), beside a dev core of its own.
        let edge = directory.appendingPathComponent("edge")
        try FileManager.default.createDirectory(at: edge, withIntermediateDirectories: true)
        let (edgeCore, edgeCorePort, _, _, tokenFile) = try await GatewayBinaryTests.devCore(in: edge)
        defer { EndToEndTests.stop(edgeCore) }
        let gatewayKMIPPort = FreePort.pick()
        let gateway = try GatewayBinaryTests.launch(
            ["gateway", "--core", "http://127.0.0.1:\(edgeCorePort)", "--tenant", "acme", "--service", "payments", "--token-file", tokenFile.path,
             "--address", "127.0.0.1:\(FreePort.pick())", "--kmip-address", "127.0.0.1:\(gatewayKMIPPort)", "--kmip-certificate-file", path("server.pem"),
             "--kmip-key-file", path("server.key"), "--kmip-client-ca-file", path("ca.pem")],
            output: directory.appendingPathComponent("gateway.log"))
        defer { EndToEndTests.stop(gateway) }

        for (name, listener) in [("REST", port), ("data-key channel", channelPort), ("KMIP", kmipPort), ("gateway KMIP", gatewayKMIPPort)] {
            let found = try await Eventually.value(every: .milliseconds(200)) { () -> [String: Set<String>]? in
                let found = try Self.scan(listener, directory: directory)
                return found.isEmpty ? nil : found
            }
            let protocols = try #require(found, "\(name): sslscan found nothing on \(listener)")
            print("\(name): \(protocols.keys.sorted()) TLS 1.2 \(protocols["TLSv1.2", default: []].sorted())")
            #expect(Set(protocols.keys) == ["TLSv1.2", "TLSv1.3"], "\(name): \(protocols.keys.sorted())")
            #expect(protocols["TLSv1.2"] == Self.policySuites, "\(name): \(protocols["TLSv1.2", default: []].sorted())")
            #expect(!(protocols["TLSv1.3", default: []]).isEmpty, "\(name)")
            let old = try Self.run(["openssl", "s_client", "-connect", "127.0.0.1:\(listener)", "-tls1_1", "-cert", path("client.pem"), "-key", path("client.key")])
            #expect(!old.contains("Cipher is") || old.contains("Cipher is (NONE)"), "\(name) answered TLS 1.1: \(old.suffix(300))")
        }
        // Opened to KMIP 1.x's suites by name: those two more, TLS 1.2 only, and a warning in the log.
        let found = try await Eventually.value(every: .milliseconds(200)) { () -> [String: Set<String>]? in
            let found = try Self.scan(legacyPort, directory: directory)
            return found.isEmpty ? nil : found
        }
        let protocols = try #require(found, "sslscan found nothing on the KMIP 1.x listener")
        #expect(Set(protocols.keys) == ["TLSv1.2", "TLSv1.3"])
        #expect(protocols["TLSv1.2"] == Self.policySuites.union(["AES128-SHA", "AES256-SHA"]), "\(protocols["TLSv1.2", default: []].sorted())")
        #expect(try String(contentsOf: directory.appendingPathComponent("legacy.log"), encoding: .utf8).contains("no forward secrecy"))
    }

    @Test func plainHTTPPastLoopbackNeedsAllowPlaintext() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-plaintext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("refused.log")
        let refused = try GatewayBinaryTests.launch(["server", "--dev", "--address", "0.0.0.0:\(FreePort.pick())"], output: log)
        defer { EndToEndTests.stop(refused) }
        let deadline = Date().addingTimeInterval(60)
        while refused.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!refused.isRunning && refused.terminationStatus != 0)
        #expect(try String(contentsOf: log, encoding: .utf8).contains("allow_plaintext"))
        // Said so explicitly (a TLS-terminating proxy in front): it starts.
        try "[server]\nallow_plaintext = true\n".write(to: directory.appendingPathComponent("proxy.toml"), atomically: true, encoding: .utf8)
        let port = FreePort.pick()
        let allowed = try GatewayBinaryTests.launch(["server", "--dev", "--address", "0.0.0.0:\(port)", "--config", directory.appendingPathComponent("proxy.toml").path],
                                                    output: directory.appendingPathComponent("allowed.log"))
        defer { EndToEndTests.stop(allowed) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
    }
}
