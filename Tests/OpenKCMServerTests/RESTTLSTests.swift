import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OpenKCMClient
import OpenKCMTestSupport
import Testing

/// The REST API over TLS (`[server] tls_certificate_file`, `tls_key_file`), as
/// shipped: the CLI reaches it with `OPENKCM_CACERT` and not without, plain
/// HTTP gets nowhere, and a gateway follows an `https://` core with
/// `--core-ca-file` and serves the SDK.
@Suite struct RESTTLSTests {
    @Test func theCLIAndAGatewayReachAnHTTPSCore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try KMIPListenerTests.makeCertificates(in: directory)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let port = FreePort.pick()
        let channelPort = FreePort.pick()
        try """
            [server]
            tls_certificate_file = "\(path("server.pem"))"
            tls_key_file = "\(path("server.key"))"
            channel_address = "127.0.0.1:\(channelPort)"
            """.write(toFile: path("openkcm.toml"), atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("server.log")
        let server = try GatewayBinaryTests.launch(["server", "--dev", "--address", "127.0.0.1:\(port)", "--config", path("openkcm.toml")], output: log)
        defer { EndToEndTests.stop(server) }
        let root = try await Eventually.value { () -> String? in
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").first { $0.contains("root token:") }.flatMap { $0.split(separator: " ").last.map(String.init) }
        }
        let rootToken = try #require(root, "the dev server printed no root token")
        #expect(try String(contentsOf: log, encoding: .utf8).contains("REST:       https://127.0.0.1:\(port)"))
        let https = ["OPENKCM_ADDR": "https://127.0.0.1:\(port)", "OPENKCM_CACERT": path("ca.pem")]

        var status = try await EndToEndTests.openkcmOffPool(["operator", "status"], port: port, token: nil, environment: https)
        try await Eventually.holds(every: .milliseconds(100)) {
            if status.status == 0 { return true }
            status = try await EndToEndTests.openkcmOffPool(["operator", "status"], port: port, token: nil, environment: https)
            return status.status == 0
        }
        #expect(status.status == 0, "\(status.stderr)")
        // The server's certificate is not trusted without the CA; plain HTTP to the TLS port gets no answer.
        let untrusted = try await EndToEndTests.openkcmOffPool(["operator", "status"], port: port, token: nil, environment: ["OPENKCM_ADDR": "https://127.0.0.1:\(port)"])
        #expect(untrusted.status == 4, "\(untrusted.stderr)")
        let plain = try await EndToEndTests.openkcmOffPool(["operator", "status"], port: port, token: nil)
        #expect(plain.status == 4, "\(plain.stderr)")

        for arguments in [["tenant", "create", "acme", "--l1-provider", "software", "--l1-key", "dev-l1"], ["service", "create", "--tenant", "acme", "payments"]] {
            #expect(try await EndToEndTests.openkcmOffPool(arguments, port: port, token: rootToken, environment: https).status == 0)
        }
        let identity = EndToEndTests.json(try await EndToEndTests.openkcmOffPool(
            ["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--output", "json"],
            port: port, token: rootToken, environment: https).stdout)
        let token = try #require(identity["token"] as? String)
        try token.write(toFile: path("token"), atomically: true, encoding: .utf8)

        let gatewayPort = FreePort.pick()
        let gateway = try GatewayBinaryTests.launch(["gateway", "--core", "https://127.0.0.1:\(port)", "--core-ca-file", path("ca.pem"),
                                                     "--tenant", "acme", "--service", "payments", "--token-file", path("token"),
                                                     "--address", "127.0.0.1:\(gatewayPort)", "--core-channel", "127.0.0.1:\(channelPort)"],
                                                    output: directory.appendingPathComponent("gateway.log"))
        defer { EndToEndTests.stop(gateway) }
        let encryptor = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: "http://127.0.0.1:\(gatewayPort)", tenant: "acme", service: "payments", token: token))
        let record = try await Eventually.value(every: .milliseconds(100)) {
            try? await encryptor.encrypt(Array("over TLS to the core".utf8), context: ["k": "v"])
        }
        let sealed = try #require(record, "the gateway never reached the core over TLS")
        #expect(try await encryptor.decrypt(sealed, context: ["k": "v"]) == Array("over TLS to the core".utf8))
        // The batches went over the data-key channel, which speaks TLS as REST does.
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(gatewayPort)/metrics")!)
        #expect(String(decoding: metrics, as: UTF8.self).contains("openkcm_gateway_core_channel_connections_total 1"))
        // A plain TCP connection to the channel gets no hello answered.
        let plainChannel = try await DataKeyChannelTests.plainHelloIsAnswered(port: channelPort, token: token)
        #expect(!plainChannel)
    }
}
