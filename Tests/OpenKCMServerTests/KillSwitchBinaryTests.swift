import Foundation
import NIOHTTP1
import Testing
import OpenKCMAWSKMS
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit

/// The kill switch as shipped: the real `openkcm` binary with its default 5 s
/// L1 check, configured from a TOML file with the three customers' keystores
/// (AWS KMS on moto, OpenBao transit, SoftHSM2) and auto-unsealed by an
/// OpenBao seal key. All three customers disable their keys at once, at their
/// own KMS; each tenant must be refused within 6 s, and open again within 6 s
/// of the key coming back. A restart auto-unseals and everything still opens.
/// Runs in scripts/test's serial phase (`SERIAL_SUITES`): its time bounds are latency
/// promises, measured where no other suite loads the machine.
@Suite struct KillSwitchBinaryTests {
    @Test func eachCustomerPullsThePlugOnTheRealServer() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let sealKey = "openkcm-seal-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await peers.transit.call(.POST, "transit/keys/\(sealKey)", [:], reference: KeystoreReference(provider: "globex-bao", key: sealKey))
        // A fourth customer whose key stays on: the control.
        let controlKey = "initech-l1-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await peers.transit.call(.POST, "transit/keys/\(controlKey)", [:], reference: KeystoreReference(provider: "globex-bao", key: controlKey))

        let port = FreePort.pick()
        var toml = """
            [server]
            address = "127.0.0.1:\(port)"
            data_dir = "\(harness.directory.appendingPathComponent("data").path)"
            seal = "globex-bao:\(sealKey)"

            """
        for (name, fields) in peers.sections.sorted(by: { $0.key < $1.key }) {
            toml += "\n[keystores.\(name)]\n" + fields.sorted(by: { $0.key < $1.key }).map { "\($0.key) = \"\($0.value)\"" }.joined(separator: "\n") + "\n"
        }
        let configFile = harness.directory.appendingPathComponent("openkcm.toml")
        try toml.write(to: configFile, atomically: true, encoding: .utf8)

        var server = try EndToEndTests.startServer(config: configFile, environment: CustomerKMSPeers.environment)
        defer { EndToEndTests.stop(server) }
        _ = try await AutoUnsealServerTests.waitForStatus(port: port)
        let initRun = try EndToEndTests.openkcm(["operator", "init", "--output", "json"], port: port, token: nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")

        let tenants = [("acme", "acme-aws", peers.awsKey), ("globex", "globex-bao", peers.baoKey), ("umbrella", "umbrella-hsm", peers.hsmKey)]
        var apps: [String: String] = [:]
        var blobs: [String: String] = [:]
        for (tenant, provider, key) in tenants + [("initech", "globex-bao", controlKey)] {
            let created = try EndToEndTests.openkcm(["tenant", "create", tenant, "--l1-provider", provider, "--l1-key", key], port: port, token: root)
            #expect(created.status == 0, "\(created.stderr)")
            _ = try EndToEndTests.openkcm(["service", "create", "--tenant", tenant, "payments"], port: port, token: root)
            let identity = try EndToEndTests.openkcm(["identity", "create", tenant, "--role", "crypto", "--tenant", tenant, "--service", "payments", "--output", "json"],
                                                     port: port, token: root)
            apps[tenant] = try #require(EndToEndTests.json(identity.stdout)["token"] as? String, "\(identity.stderr)")
            let made = try EndToEndTests.openkcm(["datakey", "--tenant", tenant, "--service", "payments", "--output", "json"], port: port, token: apps[tenant])
            blobs[tenant] = try #require(EndToEndTests.json(made.stdout)["wrapped"] as? String, "\(made.stderr)")
        }
        func opens(_ tenant: String) throws -> Bool {
            try EndToEndTests.openkcm(["unwrap", "--tenant", tenant, "--service", "payments", blobs[tenant]!], port: port, token: apps[tenant]).status == 0
        }
        #expect(try tenants.allSatisfy { try opens($0.0) })

        /// Polls every tenant until each reaches `wanted`; returns each one's delay.
        func delays(until wanted: Bool, since start: ContinuousClock.Instant) async throws -> [String: Duration] {
            var reached: [String: Duration] = [:]
            while reached.count < tenants.count && ContinuousClock.now - start < .seconds(20) {
                for (tenant, _, _) in tenants where reached[tenant] == nil {
                    if try opens(tenant) == wanted { reached[tenant] = ContinuousClock.now - start }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return reached
        }

        // All three customers disable their keys at their own KMS, at once.
        let awsReference = KeystoreReference(provider: "acme-aws", key: peers.awsKey)
        var start = ContinuousClock.now
        _ = try await peers.aws.call("DisableKey", ["KeyId": peers.awsKey], reference: awsReference)
        _ = try await peers.transit.call(.DELETE, "transit/keys/\(peers.baoKey)/soft-delete", reference: KeystoreReference(provider: "globex-bao", key: peers.baoKey))
        try await peers.hsm.setUsage(label: peers.hsmKey, enabled: false)
        let locked = try await delays(until: false, since: start)
        for (tenant, provider, _) in tenants {
            print("kill switch through the binary (5 s check): \(provider) disabled -> \(tenant) refused after \(locked[tenant].map { "\($0)" } ?? "never")")
            #expect(locked[tenant] != nil && locked[tenant]! < .seconds(6), "\(tenant)")
            // Every operation, not only unwrap: a new data key is refused too, naming the L1.
            let made = try EndToEndTests.openkcm(["datakey", "--tenant", tenant, "--service", "payments"], port: port, token: apps[tenant])
            #expect(made.status == 1 && made.stderr.contains("L1"), "\(tenant): \(made.stderr)")
        }
        // The customer who kept their key is not affected.
        #expect(try opens("initech"))

        // Back on: every earlier blob opens again.
        start = ContinuousClock.now
        _ = try await peers.aws.call("EnableKey", ["KeyId": peers.awsKey], reference: awsReference)
        _ = try await peers.transit.call(.POST, "transit/keys/\(peers.baoKey)/soft-delete-restore", [:], reference: KeystoreReference(provider: "globex-bao", key: peers.baoKey))
        try await peers.hsm.setUsage(label: peers.hsmKey, enabled: true)
        let unlocked = try await delays(until: true, since: start)
        for (tenant, provider, _) in tenants {
            print("kill switch through the binary: \(provider) enabled again -> \(tenant) opens after \(unlocked[tenant].map { "\($0)" } ?? "never")")
            #expect(unlocked[tenant] != nil && unlocked[tenant]! < .seconds(6), "\(tenant)")
        }

        // A restart: unsealed by the OpenBao seal key with nobody at the keyboard; every blob opens.
        EndToEndTests.stop(server)
        server = try EndToEndTests.startServer(config: configFile, environment: CustomerKMSPeers.environment)
        let status = try await AutoUnsealServerTests.waitForStatus(port: port)
        #expect(status["sealed"] as? Bool == false, "\(status)")
        #expect(try tenants.allSatisfy { try opens($0.0) })

        // Unlink through the API: refused at once.
        start = ContinuousClock.now
        #expect(try EndToEndTests.openkcm(["l1", "unlink", "--tenant", "acme"], port: port, token: root).status == 0)
        #expect(try !opens("acme"))
        print("kill switch through the binary: unlink -> acme refused after \(ContinuousClock.now - start) (two CLI runs included)")
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}
