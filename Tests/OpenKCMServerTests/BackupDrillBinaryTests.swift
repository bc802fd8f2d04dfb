import Foundation
import NIOHTTP1
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit
import Testing
import OpenKCMApp

/// The backup drill on the real binary: a node on SQLite sealed with operator
/// shares, its customer's L1 in OpenBao; a backup taken and verified; a
/// damaged and a forged copy refused by verify and by restore; the backup
/// restored into an empty PostgreSQL schema with the shares, a node started
/// on it and unsealed with the same shares opening the data keys made before
/// the backup; then the SQLite store moved to PostgreSQL with `storage
/// migrate` and served from there with its data directory and audit log.
@Suite struct BackupDrillBinaryTests {
    struct Node {
        let directory: URL
        let port = FreePort.pick()
        var config: URL { directory.appendingPathComponent("openkcm.toml") }
        var dataDirectory: URL { directory.appendingPathComponent("data") }

        /// `schema`: on PostgreSQL, else SQLite in the data directory; `dataDirectory`: another node's, to keep its audit log.
        init(shared: URL, name: String, bao: URL, database: URL? = nil, schema: String? = nil, dataDirectory: URL? = nil) throws {
            directory = shared.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var text = """
                [server]
                address = "127.0.0.1:\(port)"
                data_dir = "\((dataDirectory ?? directory.appendingPathComponent("data")).path)"

                [keystores.customer-bao]
                type = "transit"
                address = "\(bao.absoluteString)"
                token_file = "\(shared.appendingPathComponent("bao.token").path)"

                """
            if let database, let schema {
                text += """
                    [storage]
                    type = "postgres"
                    host = "\(database.host ?? "")"
                    port = \(database.port ?? 5432)
                    user = "\(database.user ?? "")"
                    password_file = "\(shared.appendingPathComponent("postgres.password").path)"
                    database = "\(database.path.dropFirst())"
                    schema = "\(schema)"
                    tls = "disable"
                    freshness_bound_ms = 10000

                    """
            }
            try text.write(to: config, atomically: true, encoding: .utf8)
        }

        /// Starts the server, its output in `server.log` beside the configuration (shown when it does not come up).
        func start() async throws -> Process {
            let log = directory.appendingPathComponent("server.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let server = Process()
            server.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
            server.arguments = ["server", "--config", config.path]
            server.standardOutput = try FileHandle(forWritingTo: log)
            server.standardError = server.standardOutput
            try server.run()
            do {
                _ = try await AutoUnsealServerTests.waitForStatus(port: port)
            } catch {
                EndToEndTests.stop(server)
                Issue.record("the server on \(config.path) did not come up: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
                throw error
            }
            return server
        }

        func cli(_ arguments: [String], _ token: String?, stdin: String? = nil) throws -> EndToEndTests.Run {
            try EndToEndTests.openkcm(arguments, port: port, token: token, stdin: stdin)
        }

        func unseal(_ shares: [String]) throws {
            for share in shares { _ = try cli(["operator", "unseal"], nil, stdin: share + "\n") }
        }
    }

    static func schema() -> String { "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    @Test func aBackupRestoresIntoPostgreSQLAndAStoreMovesThere() async throws {
        guard let (database, bao) = PostgresServerBinaryTests.peers() else { return }
        let shared = try PostgresServerBinaryTests.sharedDirectory(database)
        defer { try? FileManager.default.removeItem(at: shared) }
        let key = "drill-l1-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await TransitClient(address: bao, token: "root").call(.POST, "transit/keys/\(key)", [:], reference: KeystoreReference(provider: "customer-bao", key: key))

        // The node that is backed up: SQLite, operator shares.
        let source = try Node(shared: shared, name: "source", bao: bao)
        var server = try await source.start()
        defer { EndToEndTests.stop(server) }
        let initRun = try source.cli(["operator", "init", "--shares", "3", "--threshold", "2", "--output", "json"], nil)
        let root = try #require(EndToEndTests.json(initRun.stdout)["rootToken"] as? String, "\(initRun.stderr)")
        let shares = try #require(EndToEndTests.json(initRun.stdout)["shares"] as? [String])
        try source.unseal([shares[0], shares[2]])
        #expect(try source.cli(["tenant", "create", "acme", "--l1-provider", "customer-bao", "--l1-key", key], root).status == 0)
        #expect(try source.cli(["service", "create", "--tenant", "acme", "payments"], root).status == 0)
        let identity = try source.cli(["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--output", "json"], root)
        let app = try #require(EndToEndTests.json(identity.stdout)["token"] as? String, "\(identity.stderr)")
        let scope = ["--tenant", "acme", "--service", "payments", "--context", "order=42"]
        var made: [(wrapped: String, plaintext: String)] = []
        for _ in 0..<5 {
            let answer = EndToEndTests.json(try source.cli(["datakey"] + scope + ["--output", "json"], app).stdout)
            made.append((try #require(answer["wrapped"] as? String), try #require(answer["plaintext"] as? String)))
        }

        // Taken, checked on arrival, written 0600; verified by the server.
        let file = shared.appendingPathComponent("acme.okb")
        let created = try source.cli(["backup", "create", "--out", file.path, "--output", "json"], root)
        #expect(created.status == 0, "\(created.stderr)")
        let manifest = EndToEndTests.json(created.stdout)
        #expect((manifest["contents"] as? [String: Int])?["tenants"] == 1, "\(manifest)")
        #expect(manifest["sealKind"] as? String == "shamir")
        let status = EndToEndTests.json(try source.cli(["operator", "status", "--output", "json"], nil).stdout)
        let check = try #require(status["masterKeyCheck"] as? String, "\(status)")
        #expect(manifest["masterKeyCheck"] as? String == check, "the backup names the key the server shows")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try source.cli(["backup", "create", "--out", file.path], root).status == 1, "an existing file is never replaced")
        let verified = try source.cli(["backup", "verify", file.path, "--output", "json"], root)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect((EndToEndTests.json(verified.stdout)["recordsOpened"] as? Int ?? 0) >= 4, "\(verified.stdout)")
        #expect(try source.cli(["backup", "create", "--out", shared.appendingPathComponent("x").path], app).status == 1, "only root takes backups")

        // A damaged copy (a flipped byte) and a forged one (digest fixed, no key for the tag): refused, with the reason.
        let original = try Data(contentsOf: file)
        var damaged = original
        damaged[damaged.count - 40] ^= 0x01
        let damagedFile = shared.appendingPathComponent("damaged.okb")
        try damaged.write(to: damagedFile)
        let forgedFile = shared.appendingPathComponent("forged.okb")
        try BackupForgery.forge(original) { $0[$0.count - 40] ^= 0x01 }.write(to: forgedFile)
        let damagedVerify = try source.cli(["backup", "verify", damagedFile.path], root)
        #expect(damagedVerify.status == 1 && damagedVerify.stderr.contains("backup.corrupted"), "\(damagedVerify.stderr)")
        let forgedVerify = try source.cli(["backup", "verify", forgedFile.path], root)
        #expect(forgedVerify.status == 1 && forgedVerify.stderr.contains("backup.tampered"), "\(forgedVerify.stderr)")
        let audit = try source.cli(["audit", "list", "--output", "json", "--limit", "1000"], root).stdout
        #expect(audit.contains("backup.tampered") && audit.contains("backup.corrupted"), "the refusals are audited")

        // Restored into an empty PostgreSQL schema, with the shares on standard input; the changed copies write nothing.
        let restored = try Node(shared: shared, name: "restored", bao: bao, database: database, schema: Self.schema())
        let twoShares = shares[1] + "\n" + shares[2] + "\n"
        let damagedRestore = try restored.cli(["backup", "restore", damagedFile.path, "--config", restored.config.path], nil, stdin: twoShares)
        #expect(damagedRestore.status == 1 && damagedRestore.stderr.contains("damaged"), "\(damagedRestore.stderr)")
        let forgedRestore = try restored.cli(["backup", "restore", forgedFile.path, "--config", restored.config.path], nil, stdin: twoShares)
        #expect(forgedRestore.status == 1 && forgedRestore.stderr.contains("changed after it was made"), "\(forgedRestore.stderr)")
        let oneShare = try restored.cli(["backup", "restore", file.path, "--config", restored.config.path], nil, stdin: shares[1] + "\n")
        #expect(oneShare.status == 1, "one share of two rebuilds nothing")
        let otherKey = try restored.cli(["backup", "restore", file.path, "--config", restored.config.path, "--master-key-check", String(repeating: "0", count: 32)],
                                        nil, stdin: twoShares)
        #expect(otherKey.status == 1 && otherKey.stderr.contains("not the expected"), "\(otherKey.stderr)")
        let restore = try restored.cli(["backup", "restore", file.path, "--config", restored.config.path, "--master-key-check", check, "--output", "json"],
                                       nil, stdin: twoShares)
        #expect(restore.status == 0, "\(restore.stderr)")
        let again = try restored.cli(["backup", "restore", file.path, "--config", restored.config.path], nil, stdin: twoShares)
        #expect(again.status == 1 && again.stderr.contains("empty store"), "\(again.stderr)")

        // A node on the restored store unseals with the same shares and opens the keys made before the backup.
        let restoredServer = try await restored.start()
        defer { EndToEndTests.stop(restoredServer) }
        try restored.unseal([shares[1], shares[0]])
        for key in made {
            let opened = try restored.cli(["unwrap"] + scope + ["--output", "json", key.wrapped], app)
            #expect(EndToEndTests.json(opened.stdout)["plaintext"] as? String == key.plaintext, "\(opened.stderr)")
        }
        #expect(try restored.cli(["audit", "verify"], root).status == 0, "the restored node starts an audit chain of its own")

        // The SQLite store moved to PostgreSQL: the source stopped first, its data directory (audit log) kept.
        EndToEndTests.stop(server)
        let elsewhere = try Node(shared: shared, name: "elsewhere", bao: bao, database: database, schema: Self.schema())
        let keepTheLog = try elsewhere.cli(["storage", "migrate", "--from", source.config.path, "--to", elsewhere.config.path], nil, stdin: twoShares)
        #expect(keepTheLog.status == 1 && keepTheLog.stderr.contains("same [server] data_dir"), "\(keepTheLog.stderr)")
        let moved = try Node(shared: shared, name: "moved", bao: bao, database: database, schema: Self.schema(), dataDirectory: source.dataDirectory)
        let migrate = try moved.cli(["storage", "migrate", "--from", source.config.path, "--to", moved.config.path, "--output", "json"], nil,
                                    stdin: twoShares)
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect((EndToEndTests.json(migrate.stdout)["records"] as? Int ?? 0) > 5)
        let refusedMigrate = try moved.cli(["storage", "migrate", "--from", source.config.path, "--to", moved.config.path], nil, stdin: twoShares)
        #expect(refusedMigrate.status == 1 && refusedMigrate.stderr.contains("empty store"), "\(refusedMigrate.stderr)")
        server = try await moved.start()
        try moved.unseal([shares[0], shares[1]])
        for key in made {
            let opened = try moved.cli(["unwrap"] + scope + ["--output", "json", key.wrapped], app)
            #expect(EndToEndTests.json(opened.stdout)["plaintext"] as? String == key.plaintext, "\(opened.stderr)")
        }
        #expect(try moved.cli(["audit", "verify"], root).status == 0, "the moved node's chain continues its log")
    }

    @Test func aRestoreIntoADataDirectoryWithAnAuditLogOrOfAFileThatIsNoBackupIsRefused() async throws {
        guard let (database, bao) = PostgresServerBinaryTests.peers() else { return }
        let shared = try PostgresServerBinaryTests.sharedDirectory(database)
        defer { try? FileManager.default.removeItem(at: shared) }
        let node = try Node(shared: shared, name: "n", bao: bao)
        try FileManager.default.createDirectory(at: node.dataDirectory, withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: node.dataDirectory.appendingPathComponent("audit.log"))
        let file = shared.appendingPathComponent("any.okb")
        try Data("OKCMBK".utf8).write(to: file)
        let refusedLog = try node.cli(["backup", "restore", file.path, "--config", node.config.path], nil)
        #expect(refusedLog.status == 1 && refusedLog.stderr.contains("audit.log"), "\(refusedLog.stderr)")
        try FileManager.default.removeItem(at: node.dataDirectory.appendingPathComponent("audit.log"))
        let refusedGarbage = try node.cli(["backup", "restore", file.path, "--config", node.config.path], nil)
        #expect(refusedGarbage.status == 1 && refusedGarbage.stderr.contains("not an OpenKCM backup"), "\(refusedGarbage.stderr)")
    }
}
