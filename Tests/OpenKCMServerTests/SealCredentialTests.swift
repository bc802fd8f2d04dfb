import Crypto
import Foundation
import NIOHTTP1
import Testing
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMTransit
import OpenKCMApp

/// Seal credentials, the part other products get wrong: short-lived OpenBao
/// tokens are renewed before they lapse; a revoked token leaves the real server
/// sealed with the reason in `seal-status`, never crashed; a new token written
/// to the token file and a SIGHUP unseal it with nobody typing a share.
/// Runs in scripts/test's serial phase (`SERIAL_SUITES`): its time bounds are latency
/// promises, measured where no other suite loads the machine.
@Suite struct SealCredentialTests {
    /// A token that may only use transit keys (no `create`), with a `ttl`.
    static func transitToken(_ root: TransitClient, ttl: String) async throws -> String {
        let reference = KeystoreReference(provider: "bao", key: "token")
        _ = try await root.call(.PUT, "sys/policies/acl/openkcm-transit",
                                ["policy": #"path "transit/*" { capabilities = ["read", "update"] }"#], reference: reference)
        let answer = try await root.call(.POST, "auth/token/create",
                                         ["policies": ["openkcm-transit"], "ttl": ttl, "renewable": true, "no_parent": true], reference: reference)
        return try #require((answer["auth"] as? [String: Any])?["client_token"] as? String)
    }

    @Test func shortLivedTokensAreRenewedBeforeTheyLapse() async throws {
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return
        }
        let root = TransitClient(address: bao, token: "root")
        let key = "renew-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await root.call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "bao", key: key))
        let watched = TransitClient(address: bao, token: try await Self.transitToken(root, ttl: "10s"))
        let unwatched = TransitClient(address: bao, token: try await Self.transitToken(root, ttl: "10s"))
        let renewal = TransitTokenRenewal()
        renewal.watch(["watched": watched])

        let runner = Task { try await renewal.run() }
        defer { runner.cancel() }
        try await Task.sleep(for: .seconds(16))
        let context = KeystoreContext(tenant: "acme", purpose: .l2)
        let keystore = TransitKeystore(keyName: key, client: watched)
        let wrapped = try await keystore.wrap(.init(size: .bits256), context: context)
        _ = try await keystore.unwrap(wrapped, context: context)
        #expect(try await watched.lookupSelf().ttl > 0)
        // The same token without renewal has lapsed: refused as access denied.
        await #expect(throws: KeystoreError.self) { _ = try await TransitKeystore(keyName: key, client: unwatched).wrap(.init(size: .bits256), context: context) }
    }

    @Test func aRevokedSealTokenLeavesTheServerSealedUntilASIGHUPBringsANewOne() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let sealKey = "openkcm-seal-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await peers.transit.call(.POST, "transit/keys/\(sealKey)", [:], reference: KeystoreReference(provider: "bao", key: sealKey))
        let tokenFile = harness.directory.appendingPathComponent("seal.token")
        let firstToken = try await Self.transitToken(peers.transit, ttl: "1h")
        try firstToken.write(to: tokenFile, atomically: true, encoding: .utf8)
        let port = FreePort.pick()
        let configFile = harness.directory.appendingPathComponent("openkcm.toml")
        try """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(harness.directory.appendingPathComponent("data").path)"
            seal = "customer-bao:\(sealKey)"
            auto_unseal_retry_seconds = 3600

            [keystores.customer-bao]
            type = "transit"
            address = "\(peers.sections["globex-bao"]!["address"]!)"
            token_file = "\(tokenFile.path)"
            """.write(to: configFile, atomically: true, encoding: .utf8)
        var server = try EndToEndTests.startServer(config: configFile)
        defer { EndToEndTests.stop(server) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
        let initRun = try EndToEndTests.openkcm(["operator", "init", "--output", "json"], port: port, token: nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        EndToEndTests.stop(server)

        // The customer revokes the seal token while the server is down.
        _ = try await peers.transit.call(.POST, "auth/token/revoke", ["token": firstToken], reference: KeystoreReference(provider: "bao", key: "token"))
        server = try EndToEndTests.startServer(config: configFile)
        let sealed = try await AutoUnsealServerTests.waitForStatus(port: port)
        #expect(sealed["sealed"] as? Bool == true)
        let reason = sealed["autoUnsealError"] as? String ?? ""
        #expect(reason.contains("denied"), "\(sealed)")
        print("revoked seal token -> sealed: \(reason)")
        let status = try EndToEndTests.openkcm(["operator", "status"], port: port, token: nil)
        #expect(status.stdout.contains("auto-unseal error"), "\(status.stdout)")
        #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 3)

        // A new token in the file and a SIGHUP: unsealed, with no restart and no operator share.
        try await Self.transitToken(peers.transit, ttl: "1h").write(to: tokenFile, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        kill(server.processIdentifier, SIGHUP)
        let unsealed = try await Eventually.holds(every: .milliseconds(100)) {
            EndToEndTests.json(try EndToEndTests.openkcm(["operator", "status", "--output", "json"], port: port, token: nil).stdout)["sealed"] as? Bool == false
        }
        print("SIGHUP with a new seal token -> unsealed after \(ContinuousClock.now - start)")
        #expect(unsealed)
        #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 0)
        #expect(server.isRunning)
    }
}
