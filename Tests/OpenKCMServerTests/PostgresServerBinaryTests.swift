import Foundation
import NIOHTTP1
import OpenKCMClient
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing

/// The real binary on the PostgreSQL store (`[storage] type = "postgres"`):
/// keys made before a restart open after it, the data directory holds only the
/// node's audit log, and a second node on the same database (its own data
/// directory and audit log, the same seal) serves the first node's tenants;
/// of two inits sent to two nodes at once, one wins and the other node unseals.
/// Replicas kept fresh beside each other are the next steps of issue 18.
@Suite struct PostgresServerBinaryTests {
    struct Node {
        let directory: URL
        let port = FreePort.pick()
        var config: URL { directory.appendingPathComponent("openkcm.toml") }

        /// `databasePort`: where this node reaches PostgreSQL, when not directly (through a ``CuttableTCPProxy``).
        /// `freshnessBound`: `[storage] freshness_bound_ms`; generous by default, for tests in the parallel
        /// phase, where a busy machine must not make a node refuse.
        /// `channelPort`: also listen for gateways' data-key channel there.
        init(shared: URL, database: URL, schema: String, bao: URL, name: String, databasePort: Int? = nil,
             freshnessBound: Duration = .seconds(10), channelPort: Int? = nil) throws {
            directory = shared.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try """
                [server]
                address = "127.0.0.1:\(port)"\(channelPort.map { "\nchannel_address = \"127.0.0.1:\($0)\"" } ?? "")
                data_dir = "\(directory.appendingPathComponent("data").path)"
                seal = "software:\(shared.appendingPathComponent("seal.key").path)"
                auto_unseal_retry_seconds = 1

                [storage]
                type = "postgres"
                host = "\(database.host ?? "")"
                port = \(databasePort ?? database.port ?? 5432)
                user = "\(database.user ?? "")"
                password_file = "\(shared.appendingPathComponent("postgres.password").path)"
                database = "\(database.path.dropFirst())"
                schema = "\(schema)"
                tls = "disable"
                freshness_bound_ms = \(freshnessBound.components.seconds * 1000 + freshnessBound.components.attoseconds / 1_000_000_000_000_000)

                [keystores.customer-bao]
                type = "transit"
                address = "\(bao.absoluteString)"
                token_file = "\(shared.appendingPathComponent("bao.token").path)"
                """.write(to: config, atomically: true, encoding: .utf8)
        }

        func start() async throws -> Process {
            let server = try EndToEndTests.startServer(config: config)
            _ = try await AutoUnsealServerTests.waitForStatus(port: port)
            return server
        }

        func cli(_ arguments: [String], _ token: String?) throws -> EndToEndTests.Run {
            try EndToEndTests.openkcm(arguments, port: port, token: token)
        }
    }

    /// PostgreSQL and OpenBao from scripts/test; nil (and, under OPENKCM_REQUIRE_PEERS, an issue) without them.
    static func peers() -> (database: URL, bao: URL)? {
        guard let database = Peers.url("OPENKCM_POSTGRES_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_POSTGRES_URL"))) }
            return nil
        }
        guard let bao = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return nil
        }
        return (database, bao)
    }

    /// A directory for the nodes' data directories, with the database password and the OpenBao token they read.
    static func sharedDirectory(_ database: URL) throws -> URL {
        let shared = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-postgres-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        try "\(database.password ?? "")\n".write(to: shared.appendingPathComponent("postgres.password"), atomically: true, encoding: .utf8)
        try "root\n".write(to: shared.appendingPathComponent("bao.token"), atomically: true, encoding: .utf8)
        return shared
    }

    /// Waits for every node to unseal itself, then makes tenant acme (its L1 `l1Key` in OpenBao), service
    /// payments and a crypto identity for them on the first node; returns the identity's token.
    static func acmeWithApp(on nodes: [Node], l1Key: String, root: String) async throws -> String {
        for node in nodes {
            let unsealed = try await Eventually.holds(every: .milliseconds(200)) {
                EndToEndTests.json(try node.cli(["operator", "status", "--output", "json"], nil).stdout)["sealed"] as? Bool == false
            }
            #expect(unsealed, "node on port \(node.port) did not unseal")
        }
        let first = nodes[0]
        #expect(try first.cli(["tenant", "create", "acme", "--l1-provider", "customer-bao", "--l1-key", l1Key], root).status == 0)
        #expect(try first.cli(["service", "create", "--tenant", "acme", "payments"], root).status == 0)
        let identity = try first.cli(["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--output", "json"], root)
        return try #require(EndToEndTests.json(identity.stdout)["token"] as? String, "\(identity.stderr)")
    }

    @Test func theServerKeepsItsKeysInPostgreSQLAndASecondNodeServesThem() async throws {
        guard let (database, bao) = Self.peers() else { return }
        let shared = try Self.sharedDirectory(database)
        defer { try? FileManager.default.removeItem(at: shared) }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let first = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "a")
        let second = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "b")
        let key = "acme-l1-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await TransitClient(address: bao, token: "root").call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "customer-bao", key: key))

        // Both nodes start on the empty database and are told to initialise at once: one init wins.
        var server = try await first.start()
        defer { EndToEndTests.stop(server) }
        let other = try await second.start()
        defer { EndToEndTests.stop(other) }
        async let firstInit = EndToEndTests.openkcmOffPool(["operator", "init", "--output", "json"], port: first.port, token: nil)
        async let secondInit = EndToEndTests.openkcmOffPool(["operator", "init", "--output", "json"], port: second.port, token: nil)
        let inits = try await [firstInit, secondInit]
        #expect(inits.filter { $0.status == 0 }.count == 1, "\(inits.map { "\($0.status) \($0.stderr)" })")
        #expect(inits.contains { $0.status != 0 && $0.stderr.contains("already") }, "\(inits.map(\.stderr))")
        let root = try #require(inits.compactMap { EndToEndTests.json($0.stdout)["rootToken"] as? String }.first)
        // The other node unseals itself with the winner's seal configuration.
        let app = try await Self.acmeWithApp(on: [first, second], l1Key: key, root: root)
        let made = EndToEndTests.json(try first.cli(["datakey", "--tenant", "acme", "--service", "payments", "--context", "order=42", "--output", "json"], app).stdout)
        let wrapped = try #require(made["wrapped"] as? String)
        let plaintext = try #require(made["plaintext"] as? String)

        // Restarted: unsealed by its seal, the key opens; its data directory has the audit log and no store.
        EndToEndTests.stop(server)
        server = try await first.start()
        let opened = EndToEndTests.json(try first.cli(["unwrap", "--tenant", "acme", "--service", "payments", "--context", "order=42", "--output", "json", wrapped], app).stdout)
        #expect(opened["plaintext"] as? String == plaintext)
        let files = try FileManager.default.contentsOfDirectory(atPath: first.directory.appendingPathComponent("data").path)
        #expect(files.contains("audit.log") && !files.contains { $0.hasPrefix("openkcm.sqlite") }, "\(files)")

        // The second node on the same database, with its own data directory: the same tenant, identity and keys.
        let status = EndToEndTests.json(try second.cli(["operator", "status", "--output", "json"], nil).stdout)
        #expect(status["initialized"] as? Bool == true && status["sealed"] as? Bool == false, "\(status)")
        let firstStatus = EndToEndTests.json(try first.cli(["operator", "status", "--output", "json"], nil).stdout)
        let nodes = [firstStatus["node"] as? String, status["node"] as? String]
        #expect(nodes.allSatisfy { $0?.hasPrefix("node-") == true } && nodes[0] != nodes[1], "\(nodes)")
        let there = EndToEndTests.json(try second.cli(["unwrap", "--tenant", "acme", "--service", "payments", "--context", "order=42", "--output", "json", wrapped], app).stdout)
        #expect(there["plaintext"] as? String == plaintext)
        let madeThere = EndToEndTests.json(try second.cli(["datakey", "--tenant", "acme", "--service", "payments", "--output", "json"], app).stdout)
        let back = EndToEndTests.json(try first.cli(["unwrap", "--tenant", "acme", "--service", "payments", "--output", "json",
                                                     try #require(madeThere["wrapped"] as? String)], app).stdout)
        #expect(back["plaintext"] as? String == madeThere["plaintext"] as? String)
        // Each node's own audit log, both chains intact.
        for node in [first, second] {
            let verify = try node.cli(["audit", "verify"], root)
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        }
        // Every node's chain at once: each node checks its own, and every checkpoint in the store is accounted for.
        let (firstAddress, secondAddress) = ("http://127.0.0.1:\(first.port)", "http://127.0.0.1:\(second.port)")
        let cluster = try first.cli(["audit", "verify", "--every-node", "--address", firstAddress + "," + secondAddress, "--output", "json"], root)
        #expect(cluster.status == 0, "\(cluster.stdout) \(cluster.stderr)")
        let chains = EndToEndTests.json(cluster.stdout)["chains"] as? [[String: Any]] ?? []
        #expect(Set(chains.compactMap { $0["node"] as? String }) == Set(nodes.compactMap { $0 }), "\(chains)")
        // Only one node asked: the other's chain is not checked, and that fails the check, naming it.
        let half = try first.cli(["audit", "verify", "--every-node", "--address", firstAddress], root)
        #expect(half.status == 2 && half.stdout.contains(nodes[1] ?? "?") && half.stdout.contains("not checked"), "\(half.stdout) \(half.stderr)")
        // The second node's log, from its files, checked by the first node; an edited copy is caught at the edited line.
        let secondData = second.directory.appendingPathComponent("data")
        let fromFiles = try first.cli(["audit", "verify", "--every-node", "--address", firstAddress, "--log", secondData.path, "--output", "json"], root)
        #expect(fromFiles.status == 0, "\(fromFiles.stdout) \(fromFiles.stderr)")
        let edited = second.directory.appendingPathComponent("edited")
        try FileManager.default.createDirectory(at: edited, withIntermediateDirectories: true)
        var lines = try String(contentsOf: secondData.appendingPathComponent("audit.log"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[2] = Substring(lines[2].replacingOccurrences(of: "\"identity\":\"", with: "\"identity\":\"x"))
        try lines.joined(separator: "\n").write(to: edited.appendingPathComponent("audit.log"), atomically: true, encoding: .utf8)
        let caught = try first.cli(["audit", "verify", "--log", edited.path, "--output", "json"], root)
        let badChain = (EndToEndTests.json(caught.stdout)["chains"] as? [[String: Any]])?.first ?? [:]
        #expect(caught.status == 2 && badChain["firstBadLine"] as? Int == 3 && badChain["firstBadSegment"] as? String == "audit.log", "\(caught.stdout)")
        // Both nodes' newest entries merged by time, each naming its node.
        let merged = try first.cli(["audit", "list", "--every-node", "--address", firstAddress + "," + secondAddress, "--last", "50", "--output", "json"], root)
        let entries = EndToEndTests.json(merged.stdout)["entries"] as? [[String: Any]] ?? []
        #expect(Set(entries.compactMap { $0["node"] as? String }) == Set(nodes.compactMap { $0 }), "\(merged.stderr)")
        let times = entries.compactMap { $0["time"] as? String }
        #expect(times == times.sorted() && (10...50).contains(entries.count), "\(entries.count)")

        // A node whose node-id is gone but whose audit log is not does not start: a new id would have no checkpoint to check the log against.
        EndToEndTests.stop(server)
        try FileManager.default.removeItem(at: first.directory.appendingPathComponent("data/node-id"))
        let refused = try EndToEndTests.openkcm(["server", "--config", first.config.path], port: 1, token: nil)
        #expect(refused.status != 0 && refused.stderr.contains("node-id is missing"), "\(refused.stderr)")
    }

    /// A gateway given both nodes' addresses (REST and data-key channel) keeps
    /// wrapping and unwrapping when the node it used stops: batches are safe
    /// to send again, so they go to the other node.
    @Test func aGatewayGivenBothNodesKeepsServingWhenOneStops() async throws {
        guard let (database, bao) = Self.peers() else { return }
        let shared = try Self.sharedDirectory(database)
        defer { try? FileManager.default.removeItem(at: shared) }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let (channelA, channelB) = (FreePort.pick(), FreePort.pick())
        let first = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "a", channelPort: channelA)
        let second = try Node(shared: shared, database: database, schema: schema, bao: bao, name: "b", channelPort: channelB)
        let key = "gw-l1-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await TransitClient(address: bao, token: "root").call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "customer-bao", key: key))
        let server = try await first.start()
        defer { EndToEndTests.stop(server) }
        let other = try await second.start()
        defer { EndToEndTests.stop(other) }
        let initRun = try first.cli(["operator", "init", "--output", "json"], nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        let app = try await Self.acmeWithApp(on: [first, second], l1Key: key, root: root)
        let tokenFile = shared.appendingPathComponent("app.token")
        try app.write(to: tokenFile, atomically: true, encoding: .utf8)

        // Two gateways for both nodes: one sends batches over the data-key channel, one over REST.
        let cores = "http://127.0.0.1:\(first.port),http://127.0.0.1:\(second.port)"
        let (overChannel, overREST) = (FreePort.pick(), FreePort.pick())
        let channelGateway = try GatewayBinaryTests.launch(
            ["gateway", "--core", cores, "--core-channel", "127.0.0.1:\(channelA),127.0.0.1:\(channelB)", "--tenant", "acme", "--service", "payments",
             "--token-file", tokenFile.path, "--address", "127.0.0.1:\(overChannel)", "--cache-seconds", "0"],
            output: shared.appendingPathComponent("gateway-channel.log"))
        defer { EndToEndTests.stop(channelGateway) }
        let restGateway = try GatewayBinaryTests.launch(
            ["gateway", "--core", cores, "--tenant", "acme", "--service", "payments",
             "--token-file", tokenFile.path, "--address", "127.0.0.1:\(overREST)", "--cache-seconds", "0"],
            output: shared.appendingPathComponent("gateway-rest.log"))
        defer { EndToEndTests.stop(restGateway) }
        let encryptors = [overChannel, overREST].map { port in
            EnvelopeEncryptor(source: RESTDataKeySource(baseURL: "http://127.0.0.1:\(port)", tenant: "acme", service: "payments", token: app))
        }
        var before: [[UInt8]] = []
        for encryptor in encryptors {
            let record = try await Eventually.value(every: .milliseconds(100)) { try? await encryptor.encrypt(Array("before".utf8), context: ["k": "v"]) }
            before.append(try #require(record, "a gateway never answered"))
        }

        // The first node stops: every record made before opens, and new ones are made and opened, through both gateways.
        EndToEndTests.stop(server)
        for (encryptor, record) in zip(encryptors, before) {
            #expect(try await encryptor.decrypt(record, context: ["k": "v"]) == Array("before".utf8))
            for index in 0..<20 {
                let sealed = try await encryptor.encrypt(Array("after \(index)".utf8), context: ["k": "v"])
                #expect(try await encryptor.decrypt(sealed, context: ["k": "v"]) == Array("after \(index)".utf8))
            }
        }
    }

    @Test func aBadStorageSectionStopsTheServerWithAClearMessage() throws {
        for (section, expected) in [
            ("type = \"mysql\"", "type must be"),
            ("type = \"postgres\"\nhost = \"db.example.com\"\nuser = \"u\"\ndatabase = \"d\"\ntls = \"disable\"", "only allowed for a database on loopback"),
            ("type = \"postgres\"\nhost = \"127.0.0.1\"", "needs host, user and database"),
            ("host = \"127.0.0.1\"", "is for [storage] type"),
        ] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-storage-config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("openkcm.toml")
            try "[server]\naddress = \"127.0.0.1:\(FreePort.pick())\"\ndata_dir = \"\(directory.path)/data\"\n\n[storage]\n\(section)\n"
                .write(to: config, atomically: true, encoding: .utf8)
            let run = try EndToEndTests.openkcm(["server", "--config", config.path], port: 1, token: nil)
            #expect(run.status != 0 && run.stderr.contains(expected), "\(section): \(run.stderr)")
        }
    }
}
