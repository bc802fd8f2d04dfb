import Foundation
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// One TLS policy for every listener (issue 20): the KMIP listener, which took
/// NIOSSL's default cipher list before, now answers TLS 1.2 clients only with
/// ECDHE and an AEAD cipher, as REST and the data-key channel do. Probed with
/// openssl s_client offering one suite at a time.
@Suite struct ServerTLSPolicyTests {
    /// `openssl s_client` offering only `cipher` over TLS 1.2, with a client certificate; its output.
    static func handshake(port: Int, cipher: String, directory: URL) throws -> String {
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        return try ListenerTLSBinaryTests.run(["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-cipher", cipher,
                                                "-cert", path("client.pem"), "-key", path("client.key"), "-CAfile", path("ca.pem")])
    }

    @Test func theKMIPListenerTakesOnlyForwardSecretAEADSuites() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        try KMIPListenerTests.makeCertificates(in: harness.directory)
        let (core, _) = try await harness.coreWithTenants(["acme"])
        let port = FreePort.pick()
        let path = { (name: String) in harness.directory.appendingPathComponent(name).path }
        let listener = try KMIPListener(
            configuration: KMIPListenerConfiguration(port: port, certificateFile: path("server.pem"), keyFile: path("server.key"), clientCAFile: path("ca.pem")),
            operations: Operations(core: core))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await listener.run() }
            defer { group.cancelAll() }
            for cipher in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"] {
                let accepted = try await Eventually.holds(every: .milliseconds(100)) {
                    try Self.handshake(port: port, cipher: cipher, directory: harness.directory).contains("Cipher is \(cipher)")
                }
                #expect(accepted, "\(cipher) is offered by the policy")
            }
            // Static RSA key exchange (no forward secrecy) and CBC suites are refused.
            for cipher in ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384"] {
                let output = try Self.handshake(port: port, cipher: cipher, directory: harness.directory)
                #expect(!output.contains("Cipher is \(cipher)"), "\(cipher) must be refused: \(output.suffix(400))")
            }
        }
    }

    /// A listener stopped while connections wait in its accept queue closes them: it once stopped the whole
    /// process instead (NIO's precondition on a connection dropped unconsumed), seen when this suite cancelled it.
    @Test func aListenerStoppedWithConnectionsWaitingClosesThem() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        try KMIPListenerTests.makeCertificates(in: harness.directory)
        let (core, _) = try await harness.coreWithTenants(["acme"])
        let path = { (name: String) in harness.directory.appendingPathComponent(name).path }
        for _ in 0..<10 {
            let port = FreePort.pick()
            let listener = try KMIPListener(
                configuration: KMIPListenerConfiguration(port: port, certificateFile: path("server.pem"), keyFile: path("server.key"), clientCAFile: path("ca.pem")),
                operations: Operations(core: core))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                // Connections arrive, and the listener is stopped before it takes them all.
                let sockets = try await Eventually.value(every: .milliseconds(20)) { () -> [Int32]? in
                    (try? ListenerLimitsBinaryTests.connect(port)).map { first in [first] + (0..<7).compactMap { _ in try? ListenerLimitsBinaryTests.connect(port) } }
                } ?? []
                group.cancelAll()
                sockets.forEach { close($0) }
            }
        }
    }
}
