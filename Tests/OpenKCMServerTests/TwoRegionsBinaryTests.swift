import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import AsyncHTTPClient
import Crypto
import NIOSSL
import OpenKCMClient
import OpenKCMCore
import OpenKCMSQLite
import OpenKCMTestSupport
import Testing

/// Issue 19's story with real processes on 127.0.0.1: one governance plane
/// (the Brain, references only) and two regional cores (eu-central, us-east),
/// each with its own store and seal, following it. acme's L1 is in AWS KMS
/// (moto), globex's in OpenBao transit. A service's keys exist in its region
/// only; an unlink at the governance plane locks both regions within 1 s;
/// without the governance plane the regions serve for their grace period,
/// then refuse, and resume by themselves when it is back; the customers' KMSs
/// see one unwrap per region per tenant unseal, each naming its region.
/// Runs in scripts/test's serial phase: its time bounds are latency promises.
@Suite struct TwoRegionsBinaryTests {
    /// One `openkcm server` process and its root token.
    struct Node {
        let name: String
        let port: Int
        let config: URL
        var process: Process
        var root = ""
        /// For an HTTPS node: its address and the CA the CLI trusts.
        var environment: [String: String] = [:]

        func cli(_ arguments: [String], token: String? = nil) throws -> EndToEndTests.Run {
            try EndToEndTests.openkcm(arguments + ["--output", "json"], port: port, token: token ?? root, environment: environment)
        }

        /// Waits until the node answers its status; returns it.
        func status() async throws -> [String: Any] {
            let answer = try await Eventually.value(every: .milliseconds(100)) { () -> [String: Any]? in
                let run = try cli(["operator", "status"], token: "")
                return run.status == 0 ? EndToEndTests.json(run.stdout) : nil
            }
            return try #require(answer, "\(name) did not answer")
        }

        /// Stopped and started again on the same configuration (the seal unseals it).
        mutating func restart() async throws {
            EndToEndTests.stop(process)
            process = try EndToEndTests.startServer(config: config, environment: CustomerKMSPeers.environment)
            let status = try await status()
            #expect(status["sealed"] as? Bool == false, "\(name): \(status)")
        }
    }

    static let grace = 4

    @Test func oneGovernancePlaneTwoRegionsAndTheKillSwitchFromTheBrain() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        guard let baoAudit = ProcessInfo.processInfo.environment["OPENKCM_BAO_AUDIT_LOG"] else {
            Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_AUDIT_LOG")))
            return
        }
        let moto = try #require(Peers.url("OPENKCM_MOTO_URL"))
        let directory = harness.directory
        var keystoreSections = ""
        for (name, fields) in peers.sections.sorted(by: { $0.key < $1.key }) where name != "umbrella-hsm" {
            keystoreSections += "\n[keystores.\(name)]\n" + fields.sorted(by: { $0.key < $1.key }).map { "\($0.key) = \"\($0.value)\"" }.joined(separator: "\n") + "\n"
        }

        // The governance plane over HTTPS, taking the regional cores' client certificates (mutual TLS, each bound to
        // its core's token); no keystore section at all: it calls no KMS. It names each region's core.
        try KMIPListenerTests.makeCertificates(in: directory)
        let pem = { (name: String) in directory.appendingPathComponent(name).path }
        let corePorts = ["eu-central": FreePort.pick(), "us-east": FreePort.pick()]
        let governancePort = FreePort.pick()
        let governanceData = directory.appendingPathComponent("governance")
        let governanceConfig = directory.appendingPathComponent("governance.toml")
        try """
            [server]
            address = "127.0.0.1:\(governancePort)"
            data_dir = "\(governanceData.path)"
            plane = "governance"
            seal = "software:\(directory.appendingPathComponent("governance-seal.key").path)"
            tls_certificate_file = "\(pem("server.pem"))"
            tls_key_file = "\(pem("server.key"))"
            client_ca_file = "\(pem("ca.pem"))"

            [regions]
            eu-central = "http://127.0.0.1:\(corePorts["eu-central"]!)"
            us-east = "http://127.0.0.1:\(corePorts["us-east"]!)"
            """.write(to: governanceConfig, atomically: true, encoding: .utf8)
        let governanceURL = "https://127.0.0.1:\(governancePort)"
        var governance = Node(name: "governance", port: governancePort, config: governanceConfig,
                              process: try EndToEndTests.startServer(config: governanceConfig),
                              environment: ["OPENKCM_ADDR": governanceURL, "OPENKCM_CACERT": pem("ca.pem")])
        defer { EndToEndTests.stop(governance.process) }
        _ = try await governance.status()
        governance.root = try #require(EndToEndTests.json(try governance.cli(["operator", "init"], token: nil).stdout)["rootToken"] as? String)

        let acmeL1 = ("acme-aws", peers.awsKey)
        let globexL1 = ("globex-bao", peers.baoKey)
        for (tenant, (provider, key)) in [("acme", acmeL1), ("globex", globexL1)] {
            let created = try governance.cli(["tenant", "create", tenant, "--l1-provider", provider, "--l1-key", key])
            #expect(created.status == 0, "\(created.stderr)")
        }
        let services = [("acme", "payments", "eu-central"), ("acme", "billing", "us-east"), ("globex", "ledger", "eu-central"), ("globex", "orders", "us-east")]
        for (tenant, service, region) in services {
            let made = try governance.cli(["service", "create", "--tenant", tenant, service, "--region", region])
            #expect(made.status == 0, "\(made.stderr)")
        }

        // Two regional cores, each with its own store, seal and core identity at the governance plane.
        var cores: [String: Node] = [:]
        defer { for core in cores.values { EndToEndTests.stop(core.process) } }
        let coreCertificates = ["eu-central": "client", "us-east": "other"]
        var coreTokens: [String: String] = [:]
        for region in ["eu-central", "us-east"] {
            let certificate = coreCertificates[region]!
            let identity = try governance.cli(["identity", "create", "\(region)-core", "--role", "core", "--region", region,
                                               "--certificate-file", pem("\(certificate).pem")])
            let token = try #require(EndToEndTests.json(identity.stdout)["token"] as? String, "\(identity.stderr)")
            coreTokens[region] = token
            let tokenFile = directory.appendingPathComponent("\(region).token")
            try "\(token)\n".write(to: tokenFile, atomically: true, encoding: .utf8)
            let port = corePorts[region]!
            let config = directory.appendingPathComponent("\(region).toml")
            try """
                [server]
                address = "127.0.0.1:\(port)"
                data_dir = "\(directory.appendingPathComponent(region).path)"
                plane = "crypto"
                region = "\(region)"
                seal = "software:\(directory.appendingPathComponent("\(region)-seal.key").path)"

                [governance]
                url = "\(governanceURL)"
                token_file = "\(tokenFile.path)"
                ca_file = "\(pem("ca.pem"))"
                certificate_file = "\(pem("\(certificate).pem"))"
                key_file = "\(pem("\(certificate).key"))"
                grace_period_seconds = \(Self.grace)
                \(keystoreSections)
                """.write(to: config, atomically: true, encoding: .utf8)
            var core = Node(name: region, port: port, config: config, process: try EndToEndTests.startServer(config: config, environment: CustomerKMSPeers.environment))
            _ = try await AutoUnsealServerTests.waitForStatus(port: port)
            core.root = try #require(EndToEndTests.json(try core.cli(["operator", "init"], token: nil).stdout)["rootToken"] as? String)
            cores[region] = core
        }
        let eu = try #require(cores["eu-central"])
        let us = try #require(cores["us-east"])

        // A core's token is good only with its certificate: without one (or with another core's), it is refused.
        let bare = try governance.cli(["tenant", "list"], token: coreTokens["eu-central"])
        #expect(bare.status == 1 && bare.stderr.contains("access.unauthenticated"), "\(bare.stderr)")

        // Each core makes its own tenants' L2 through the customer's L1 and its region's services' L3, by itself.
        for (tenant, service, region) in services {
            let core = region == "eu-central" ? eu : us
            let arrived = try await Eventually.holds {
                try core.cli(["service", "show", "--tenant", tenant, service]).status == 0
            }
            #expect(arrived, "\(tenant)/\(service) in \(region)")
        }
        for (tenant, service, region) in services {
            let other = region == "eu-central" ? us : eu
            let elsewhere = try other.cli(["service", "show", "--tenant", tenant, service])
            #expect(elsewhere.status == 1 && elsewhere.stderr.contains("keychain.service_in_other_region"), "\(other.name): \(elsewhere.stderr)")
        }
        // Tenants and services are the governance plane's to make: a regional core refuses.
        let refused = try eu.cli(["tenant", "create", "initech", "--l1-provider", "acme-aws", "--l1-key", peers.awsKey])
        #expect(refused.status == 1 && refused.stderr.contains("plane.governed"), "\(refused.stderr)")

        // Rotation policies are set once, at the governance plane, and every region holding the tenant applies them.
        let policy = try governance.cli(["key", "policy", "--tenant", "acme", "--period", "30d"])
        #expect(policy.status == 0 && (EndToEndTests.json(policy.stdout)["regions"] as? [String])?.sorted() == ["eu-central", "us-east"],
                "\(policy.stdout) \(policy.stderr)")
        #expect(try governance.cli(["key", "policy", "--tenant", "acme", "--service", "billing", "--max-wraps", "2097152"]).status == 0)
        for core in [eu, us] {
            let applied = try await Eventually.holds {
                let shown = try core.cli(["key", "policy", "--tenant", "acme"])
                return (EndToEndTests.json(shown.stdout)["policy"] as? [String: Any])?["periodSeconds"] as? Int == 30 * 86_400
            }
            #expect(applied, "\(core.name) did not apply the tenant's policy")
        }
        let billingPolicy = try await Eventually.holds {
            let shown = try us.cli(["key", "policy", "--tenant", "acme", "--service", "billing"])
            return EndToEndTests.json(shown.stdout)["maximumWraps"] as? Int == 2_097_152
        }
        #expect(billingPolicy, "us-east did not apply billing's policy")
        let local = try eu.cli(["key", "policy", "--tenant", "acme", "--period", "10d"])
        #expect(local.status == 1 && local.stderr.contains("plane.governed"), "\(local.stderr)")

        // Crypto identities are each region's own; the app's service wraps and unwraps in its region.
        func app(_ core: Node, _ tenant: String, _ service: String) throws -> String {
            let made = try core.cli(["identity", "create", "\(tenant)-\(service)", "--role", "crypto", "--tenant", tenant, "--service", service])
            return try #require(EndToEndTests.json(made.stdout)["token"] as? String, "\(made.stderr)")
        }
        let apps = [
            "acme/payments": try app(eu, "acme", "payments"), "acme/billing": try app(us, "acme", "billing"),
            "globex/ledger": try app(eu, "globex", "ledger"), "globex/orders": try app(us, "globex", "orders"),
        ]
        var blobs: [String: String] = [:]
        for (tenant, service, region) in services {
            let core = region == "eu-central" ? eu : us
            let made = try core.cli(["datakey", "--tenant", tenant, "--service", service], token: apps["\(tenant)/\(service)"])
            blobs["\(tenant)/\(service)"] = try #require(EndToEndTests.json(made.stdout)["wrapped"] as? String, "\(made.stderr)")
        }
        func opens(_ core: Node, _ tenant: String, _ service: String, token: String? = nil) throws -> EndToEndTests.Run {
            try core.cli(["unwrap", "--tenant", tenant, "--service", service, blobs["\(tenant)/\(service)"]!], token: token ?? apps["\(tenant)/\(service)"])
        }
        #expect(try opens(eu, "acme", "payments").status == 0)
        #expect(try opens(us, "acme", "billing").status == 0)
        // An EU blob at us-east, with the same tenant and a valid us-east crypto identity for that service: refused, and says why.
        // A core gives crypto identities for its own region's services only.
        let usPayments = try us.cli(["identity", "create", "stray", "--role", "crypto", "--tenant", "acme", "--service", "payments"])
        #expect(usPayments.status == 1 && usPayments.stderr.contains("keychain.service_in_other_region"), "\(usPayments.stderr)")
        // An EU blob at us-east, with the same tenant and a valid us-east crypto identity: refused, and says why.
        let crossed = try us.cli(["unwrap", "--tenant", "acme", "--service", "payments", blobs["acme/payments"]!], token: apps["acme/billing"])
        #expect(crossed.status == 1 && crossed.stderr.contains("access.out_of_scope"), "\(crossed.stderr)")
        let usRoot = try us.cli(["service", "rotate", "--tenant", "acme", "payments"])
        #expect(usRoot.status == 1 && usRoot.stderr.contains("keychain.service_in_other_region"), "\(usRoot.stderr)")
        // Applications find their service's region at the governance plane: the CLI sent there is sent on to the core,
        // and the SDK asks where the service lives.
        let sentOn = try governance.cli(["datakey", "--tenant", "acme", "--service", "payments"], token: apps["acme/payments"])
        #expect(sentOn.status == 0 && sentOn.stderr.contains("region eu-central"), "\(sentOn.stderr)")
        var trustingTheCA = TLSConfiguration.makeClientConfiguration()
        trustingTheCA.trustRoots = .file(pem("ca.pem"))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: trustingTheCA))
        do {
            let located = try await RESTDataKeySource.locate(governance: governanceURL, tenant: "acme", service: "billing", client: http)
            #expect(located.region == "us-east" && located.address == "http://127.0.0.1:\(us.port)")
            let sdk = try await RESTDataKeySource(governance: governanceURL, tenant: "acme", service: "billing", token: apps["acme/billing"]!, client: http)
            let key = SymmetricKey(size: .bits256)
            let wrappedBySDK = try await sdk.wrap(key, context: ["file": "report.pdf"])
            #expect(try await sdk.unwrap(wrappedBySDK, context: ["file": "report.pdf"]) == key)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()

        // The governance plane's identities reach no core at all: their stores and tokens are their own.
        let governed = try eu.cli(["tenant", "list"], token: governance.root)
        #expect(governed.status == 1 && governed.stderr.contains("access.unauthenticated"), "\(governed.stderr)")

        // The customers' KMSs count: restart both cores (each unseals by its own seal), then many requests.
        try await startMotoRecording(moto)
        let baoMark = (try? Data(contentsOf: URL(fileURLWithPath: baoAudit)).count) ?? 0
        for region in ["eu-central", "us-east"] { try await cores[region]!.restart() }
        for _ in 0..<5 {
            for (tenant, service, region) in services {
                #expect(try opens(cores[region]!, tenant, service).status == 0)
            }
        }
        let awsDecrypts = try await motoDecrypts(moto, key: peers.awsKey)
        let baoDecrypts = try baoDecryptRegions(baoAudit, from: baoMark, key: peers.baoKey)
        print("two regions: after one unseal per region and 10 unwraps per tenant, AWS KMS saw \(awsDecrypts.count) Decrypt of acme's L1 (\(awsDecrypts.sorted())), OpenBao saw \(baoDecrypts) transit decrypts of globex's L1")
        #expect(awsDecrypts.sorted() == ["eu-central", "us-east"], "one unwrap per region, each naming its region in the encryption context")
        #expect(baoDecrypts == 2, "one unwrap per region")

        // The governance plane shows the tenant per region, as each region reports it at its heartbeats.
        func regionStates(_ tenant: String) throws -> [String: String] {
            let shown = EndToEndTests.json(try governance.cli(["tenant", "show", tenant]).stdout)
            var states: [String: String] = [:]
            for region in shown["regions"] as? [[String: Any]] ?? [] {
                states[region["region"] as? String ?? "?"] = "\(region["state"] ?? "?")\((region["cause"] as? String).map { "/\($0)" } ?? "")"
            }
            return states
        }
        let unsealedEverywhere = try await Eventually.holds { try regionStates("acme") == ["eu-central": "unsealed", "us-east": "unsealed"] }
        let shownUnsealed = try regionStates("acme")
        #expect(unsealedEverywhere, "\(shownUnsealed)")

        // The kill switch from the Brain: unlink acme at the governance plane; both regions refuse within 1 s.
        let start = ContinuousClock.now
        let unlinked = try governance.cli(["l1", "unlink", "--tenant", "acme"])
        #expect(unlinked.status == 0, "\(unlinked.stderr)")
        var refusedAfter: [String: Duration] = [:]
        while refusedAfter.count < 2 && ContinuousClock.now - start < .seconds(10) {
            for (region, service) in [("eu-central", "payments"), ("us-east", "billing")] where refusedAfter[region] == nil {
                let run = try opens(cores[region]!, "acme", service)
                if run.status == 1 && run.stderr.contains("keychain.tenant_locked") { refusedAfter[region] = ContinuousClock.now - start }
            }
        }
        for region in ["eu-central", "us-east"] {
            print("two regions: unlink at the governance plane -> acme refused in \(region) after \(refusedAfter[region].map { "\($0)" } ?? "never") (CLI runs included)")
            #expect(refusedAfter[region] != nil && refusedAfter[region]! < .seconds(1), "\(region)")
        }
        #expect(try opens(eu, "globex", "ledger").status == 0, "another tenant is not affected")
        let lockedEverywhere = try await Eventually.holds { try regionStates("acme") == ["eu-central": "locked/unlinked", "us-east": "locked/unlinked"] }
        let shownLocked = try regionStates("acme")
        #expect(lockedEverywhere, "\(shownLocked)")
        // One correlation id follows the unlink from the governance plane to each region's lock.
        let unlinkID = try #require(try Self.auditEntries(governance).last { $0["operation"] as? String == "l1.unlink" }?["correlationID"] as? String)
        for core in [eu, us] {
            let regional = try Self.auditEntries(core).filter { $0["operation"] as? String == "l1.unlink" && $0["tenant"] as? String == "acme" }
            #expect(regional.contains { $0["correlationID"] as? String == unlinkID && $0["outcome"] as? String == "success" }, "\(core.name): \(regional)")
        }
        // Relinked at the governance plane: both regions open again by themselves.
        #expect(try governance.cli(["l1", "link", "--tenant", "acme", "--provider", acmeL1.0, "--key", acmeL1.1]).status == 0)
        for (core, service) in [(eu, "payments"), (us, "billing")] {
            #expect(try await Eventually.holds { try opens(core, "acme", service).status == 0 }, "\(core.name)")
        }

        // The governance plane stops: the regions serve within their grace period, then refuse every tenant.
        // Counted from the moment it is told to stop: it answers no core from then on.
        let stopped = ContinuousClock.now
        EndToEndTests.stop(governance.process)
        print("two regions: the governance plane stopped in \(ContinuousClock.now - stopped)")
        #expect(try opens(eu, "globex", "ledger").status == 0, "within the grace period")
        #expect(try opens(us, "acme", "billing").status == 0, "within the grace period")
        var lockedAfter: [String: Duration] = [:]
        while lockedAfter.count < 2 && ContinuousClock.now - stopped < .seconds(Self.grace + 10) {
            for (region, tenant, service) in [("eu-central", "globex", "ledger"), ("us-east", "acme", "billing")] where lockedAfter[region] == nil {
                let run = try opens(cores[region]!, tenant, service)
                if run.status == 1 && run.stderr.contains("keychain.tenant_locked") { lockedAfter[region] = ContinuousClock.now - stopped }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        for region in ["eu-central", "us-east"] {
            print("two regions: governance plane stopped -> \(region) refuses after \(lockedAfter[region].map { "\($0)" } ?? "never") (grace \(Self.grace) s)")
            #expect(lockedAfter[region] != nil && lockedAfter[region]! >= .seconds(Self.grace - 1) && lockedAfter[region]! < .seconds(Self.grace + 3), "\(region)")
        }
        // A core restarted while the governance plane is away serves nothing, not even within a grace period:
        // it has not been told since its unseal what it may serve.
        try await cores["eu-central"]!.restart()
        let restarted = try opens(cores["eu-central"]!, "globex", "ledger")
        #expect(restarted.status == 1 && restarted.stderr.contains("has not heard from the governance plane since it was unsealed"), "\(restarted.stderr)")
        // It comes back: both regions resume with no operator step.
        governance.process = try EndToEndTests.startServer(config: governanceConfig)
        _ = try await governance.status()
        for (core, tenant, service) in [(eu, "globex", "ledger"), (us, "acme", "billing"), (eu, "acme", "payments"), (us, "globex", "orders")] {
            #expect(try await Eventually.holds { try opens(core, tenant, service).status == 0 }, "\(core.name) \(tenant)")
        }

        // Destroying a service at the governance plane crypto-shreds it in its region (named by a tombstone).
        #expect(try governance.cli(["service", "delete", "--tenant", "acme", "billing", "--yes"]).status == 0)
        let shredded = try await Eventually.holds {
            let run = try us.cli(["service", "show", "--tenant", "acme", "billing"])
            return run.status == 1 && run.stderr.contains("keychain.service_not_found")
        }
        #expect(shredded)
        #expect(try opens(us, "acme", "billing").status == 1)
        #expect(try opens(eu, "acme", "payments").status == 0, "the tenant's other region keeps its own")

        // Destroying a tenant at the governance plane crypto-shreds it in every region.
        #expect(try governance.cli(["tenant", "delete", "globex", "--yes"]).status == 0)
        for (core, service) in [(eu, "ledger"), (us, "orders")] {
            let gone = try await Eventually.holds {
                let run = try core.cli(["tenant", "show", "globex"])
                return run.status == 1 && run.stderr.contains("keychain.tenant_not_found")
            }
            #expect(gone, "\(core.name)")
            #expect(try opens(core, "globex", service).status == 1)
        }
        EndToEndTests.stop(governance.process)

        // What the governance plane's store holds after the whole story: references, identities, its own seal and
        // audit checkpoint; no key chain record of any layer, wrapped or not.
        let storage = try await SQLiteStorage.open(path: governanceData.appendingPathComponent("openkcm.sqlite").path)
        let keys = try await storage.list(prefix: "")
        try await storage.close()
        let allowed = ["governance/", "identities/", "identities-by-", "core/", "audit/", "sys/", "barrier/", "idempotency/"]
        #expect(keys.allSatisfy { key in allowed.contains { key.hasPrefix($0) } || !key.contains("/") }, "\(keys)")
        #expect(!keys.contains { $0.hasPrefix("tenants/") || $0.hasPrefix("services/") || $0.hasPrefix("kmip/") }, "\(keys)")
    }

    static func auditEntries(_ node: Node) throws -> [[String: Any]] {
        let run = try node.cli(["audit", "list", "--every-node", "--last", "1000"])
        let parsed = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return (parsed as? [[String: Any]]) ?? ((parsed as? [String: Any])?["entries"] as? [[String: Any]]) ?? []
    }

    /// moto's request recorder, on from here (the serial phase: no other suite talks to moto meanwhile).
    func startMotoRecording(_ moto: URL) async throws {
        var request = URLRequest(url: moto.appendingPathComponent("moto-api/recorder/reset-recording"))
        request.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: request)
        request.url = moto.appendingPathComponent("moto-api/recorder/start-recording")
        _ = try await URLSession.shared.data(for: request)
    }

    /// The region named in each Decrypt of `key` moto recorded (and recording stopped).
    func motoDecrypts(_ moto: URL, key: String) async throws -> [String] {
        var stop = URLRequest(url: moto.appendingPathComponent("moto-api/recorder/stop-recording"))
        stop.httpMethod = "POST"
        _ = try await URLSession.shared.data(for: stop)
        let (data, _) = try await URLSession.shared.data(from: moto.appendingPathComponent("moto-api/recorder/download-recording"))
        var regions: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let headers = entry["headers"] as? [String: Any],
                  (headers["X-Amz-Target"] ?? headers["x-amz-target"]) as? String == "TrentService.Decrypt",
                  let text = entry["body"] as? String
            else { continue }
            let body = (entry["body_encoded"] as? Bool == true) ? (Data(base64Encoded: text) ?? Data()) : Data(text.utf8)
            guard let request = try? JSONSerialization.jsonObject(with: body) as? [String: Any], request["KeyId"] as? String == key else { continue }
            regions.append(((request["EncryptionContext"] as? [String: String])?["openkcm:region"]) ?? "none")
        }
        return regions
    }

    /// How many transit decrypts of `key` OpenBao's own audit device logged after byte `from`.
    func baoDecryptRegions(_ path: String, from offset: Int, key: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data.dropFirst(offset), as: UTF8.self)
        return text.split(separator: "\n").filter { line in
            line.contains("\"type\":\"response\"") && line.contains("\"path\":\"transit/decrypt/\(key)\"")
        }.count
    }
}
