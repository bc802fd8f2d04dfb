import Foundation
import OpenKCMClient
import Testing

/// `openkcm gateway` as shipped: the real binary in front of a real `openkcm
/// server --dev`, the SDK through it, and SIGTERM stopping both promptly.
@Suite struct GatewayBinaryTests {
    static func launch(_ arguments: [String], output: URL) throws -> Process {
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    @Test func theGatewayBinaryServesTheSDK() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-gateway-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let corePort = Int.random(in: 40_001...50_000)
        let gatewayPort = Int.random(in: 50_001...60_000)
        let serverLog = directory.appendingPathComponent("server.log")
        let server = try Self.launch(["server", "--dev", "--address", "127.0.0.1:\(corePort)"], output: serverLog)
        defer { EndToEndTests.stop(server) }
        var root: String?
        for _ in 0..<200 where root == nil {
            try await Task.sleep(for: .milliseconds(50))
            let log = (try? String(contentsOf: serverLog, encoding: .utf8)) ?? ""
            root = log.split(separator: "\n").first { $0.contains("root token:") }.flatMap { $0.split(separator: " ").last.map(String.init) }
        }
        let rootToken = try #require(root, "the dev server printed no root token")
        _ = try await AutoUnsealServerTests.waitForStatus(port: corePort)
        for arguments in [["tenant", "create", "acme", "--l1-provider", "software", "--l1-key", "dev-l1"], ["service", "create", "--tenant", "acme", "payments"]] {
            #expect(try await EndToEndTests.openkcmOffPool(arguments, port: corePort, token: rootToken).status == 0)
        }
        let identity = EndToEndTests.json(try await EndToEndTests.openkcmOffPool(
            ["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--output", "json"], port: corePort, token: rootToken).stdout)
        let token = try #require(identity["token"] as? String)
        let tokenFile = directory.appendingPathComponent("token")
        try token.write(to: tokenFile, atomically: true, encoding: .utf8)

        // A non-loopback address is refused: the local API is plain HTTP.
        let refused = try await EndToEndTests.openkcmOffPool(["gateway", "--core", "http://127.0.0.1:\(corePort)", "--tenant", "acme", "--service", "payments",
                                                              "--token-file", tokenFile.path, "--address", "0.0.0.0:\(gatewayPort)"], port: corePort, token: nil)
        #expect(refused.status != 0 && refused.stderr.contains("loopback"), "\(refused.stderr)")

        let gateway = try Self.launch(["gateway", "--core", "http://127.0.0.1:\(corePort)", "--tenant", "acme", "--service", "payments",
                                       "--token-file", tokenFile.path, "--address", "127.0.0.1:\(gatewayPort)"],
                                      output: directory.appendingPathComponent("gateway.log"))
        defer { EndToEndTests.stop(gateway) }
        let encryptor = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: "http://127.0.0.1:\(gatewayPort)", tenant: "acme", service: "payments", token: token))
        var record: [UInt8]?
        for _ in 0..<100 where record == nil {
            record = try? await encryptor.encrypt(Array("through the binary".utf8), context: ["k": "v"])
            if record == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let sealed = try #require(record, "the gateway never answered")
        #expect(try await encryptor.decrypt(sealed, context: ["k": "v"]) == Array("through the binary".utf8))

        // SIGTERM: the core stops promptly with the gateway still following its events, and so does the gateway.
        let start = ContinuousClock.now
        EndToEndTests.stop(server)
        #expect(ContinuousClock.now - start < .seconds(10))
        EndToEndTests.stop(gateway)
    }
}
