import AsyncHTTPClient
import Crypto
import Foundation
import NIOHTTP1
import Testing
import OpenKCMCore
import OpenKCMKeystoreHTTP
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMTransit
import OpenKCMApp

/// Keystore connections to a provider behind its own CA (`ca_file`), against
/// an OpenBao serving TLS with its dev CA: trusted only through the CA file,
/// refused without it, and, on the real binary, a wrong CA file leaves the
/// server sealed until the right one is in place and a SIGHUP reloads it.
@Suite struct KeystoreTLSTests {
    static func peer() -> (url: URL, ca: String)? {
        guard let url = Peers.url("OPENKCM_BAO_TLS_URL"), let ca = ProcessInfo.processInfo.environment["OPENKCM_BAO_TLS_CA"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_TLS_URL"))) }
            return nil
        }
        return (url, ca)
    }

    /// A transit key made by the customer, over TLS.
    static func makeKey(_ url: URL, ca: String) async throws -> String {
        let http = try KeystoreHTTP.client(trustingCAFile: ca)
        defer { Task { try? await http.shutdown() } }
        let name = "tls-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await TransitClient(address: url, token: "root", http: http).call(.POST, "transit/keys/\(name)", [:], reference: KeystoreReference(provider: "bao", key: name))
        return name
    }

    @Test func theCAFileIsWhatIsTrusted() async throws {
        guard let (url, ca) = Self.peer() else { return }
        let key = try await Self.makeKey(url, ca: ca)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token")
        try "root".write(to: tokenFile, atomically: true, encoding: .utf8)

        let registry = KeystoreRegistry()
        let reference = KeystoreReference(provider: "private-bao", key: key)
        var connections = try KeystoreProviders.register(
            ["private-bao": ["type": "transit", "address": url.absoluteString, "token_file": tokenFile.path, "ca_file": ca]], into: registry)
        let context = KeystoreContext(tenant: "acme", purpose: .l2)
        let l2 = SymmetricKey(size: .bits256)
        let wrapped = try await registry.keystore(for: reference).wrap(l2, context: context)
        #expect(try await registry.keystore(for: reference).unwrap(wrapped, context: context) == l2)

        // Without the CA file the server's certificate is not trusted: unreachable, never a silent downgrade.
        connections.shutDown(after: .seconds(5))
        connections = try KeystoreProviders.register(
            ["private-bao": ["type": "transit", "address": url.absoluteString, "token_file": tokenFile.path]], into: registry)
        guard case .unreachable = await (try registry.keystore(for: reference)).status() else { Issue.record("expected unreachable without the CA"); return }

        // A CA file that holds no certificate is refused at configuration time, and nothing is replaced.
        let junk = directory.appendingPathComponent("junk.pem")
        try "not a certificate".write(to: junk, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) {
            try KeystoreProviders.register(["private-bao": ["type": "transit", "address": url.absoluteString, "token_file": tokenFile.path, "ca_file": junk.path]],
                                           into: registry)
        }
    }

    @Test func aWrongCAFileSealsTheServerUntilSIGHUPLoadsTheRightOne() async throws {
        guard let (url, ca) = Self.peer() else { return }
        let sealKey = try await Self.makeKey(url, ca: ca)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token")
        try "root".write(to: tokenFile, atomically: true, encoding: .utf8)
        let caFile = directory.appendingPathComponent("ca.pem")
        try Data(contentsOf: URL(fileURLWithPath: ca)).write(to: caFile)
        let port = FreePort.pick()
        let configFile = directory.appendingPathComponent("openkcm.toml")
        try """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(directory.appendingPathComponent("data").path)"
            seal = "ops-bao:\(sealKey)"
            auto_unseal_retry_seconds = 3600

            [keystores.ops-bao]
            type = "transit"
            address = "\(url.absoluteString)"
            token_file = "\(tokenFile.path)"
            ca_file = "\(caFile.path)"
            """.write(to: configFile, atomically: true, encoding: .utf8)
        var server = try EndToEndTests.startServer(config: configFile)
        defer { EndToEndTests.stop(server) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
        let initRun = try EndToEndTests.openkcm(["operator", "init", "--output", "json"], port: port, token: nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        EndToEndTests.stop(server)

        // The CA file now holds other CAs (the system bundle): the seal keystore's certificate is not trusted.
        try Data(contentsOf: URL(fileURLWithPath: "/etc/ssl/certs/ca-certificates.crt")).write(to: caFile)
        server = try EndToEndTests.startServer(config: configFile)
        let sealed = try await AutoUnsealServerTests.waitForStatus(port: port)
        #expect(sealed["sealed"] as? Bool == true && (sealed["autoUnsealError"] as? String)?.contains("unreachable") == true, "\(sealed)")
        print("wrong CA file -> sealed: \(sealed["autoUnsealError"] ?? "")")

        // The right CA back in the file, and a SIGHUP: unsealed without a restart.
        try Data(contentsOf: URL(fileURLWithPath: ca)).write(to: caFile)
        kill(server.processIdentifier, SIGHUP)
        let start = ContinuousClock.now
        let unsealed = try await Eventually.holds(every: .milliseconds(100)) {
            EndToEndTests.json(try EndToEndTests.openkcm(["operator", "status", "--output", "json"], port: port, token: nil).stdout)["sealed"] as? Bool == false
        }
        print("SIGHUP with the right CA file -> unsealed after \(ContinuousClock.now - start)")
        #expect(unsealed)
        #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 0)
    }
}
