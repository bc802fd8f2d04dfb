import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import OpenKCMCore
import OpenKCMServer
import OpenKCMSQLite

/// The whole product: the real `openkcm` binary against a live server on an
/// SQLite data directory, then a scan of that directory for secrets.
@Suite struct EndToEndTests {
    static let binary = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/openkcm").path

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func openkcm(_ arguments: [String], port: Int, token: String?, stdin: String? = nil, environment extra: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENKCM_ADDR"] = "http://127.0.0.1:\(port)"
        environment["OPENKCM_TOKEN"] = token
        // Never a token `openkcm login` kept on this machine: a test without one means none.
        environment["OPENKCM_TOKEN_FILE"] = "/nonexistent/openkcm-token"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// ``openkcm(_:port:token:stdin:)`` on a thread of its own: a test whose server
    /// runs in this process must not block a Swift concurrency thread while the
    /// CLI waits for that server (two such waits on a 2-core pool deadlock).
    static func openkcmOffPool(_ arguments: [String], port: Int, token: String?, stdin: String? = nil,
                               environment: [String: String] = [:]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try openkcm(arguments, port: port, token: token, stdin: stdin, environment: environment) })
            }.start()
        }
    }

    /// `openkcm server --config FILE`, its output discarded; `environment` is added to this process's.
    static func startServer(config: URL, environment extra: [String: String] = [:]) throws -> Process {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["server", "--config", config.path]
        server.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        return server
    }

    /// SIGTERM, then up to 60 s for a graceful shutdown; a server that does not
    /// stop is killed and the test fails instead of hanging.
    static func stop(_ server: Process) {
        guard server.isRunning else { return }
        server.terminate()
        let deadline = Date().addingTimeInterval(60)
        while server.isRunning && Date() < deadline { usleep(20_000) }
        if server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            Issue.record("the server did not shut down within 60 s of SIGTERM")
        }
        server.waitUntilExit()
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func theCLIDrivesALiveServerAndTheDataDirectoryHoldsNoSecrets() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first: \(Self.binary)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let storage = try await SQLiteStorage.open(path: directory.appendingPathComponent("openkcm.sqlite").path)
        let keystores = KeystoreRegistry([SoftwareKeystore(name: "customer-l1")])
        let core = try await ServerCore(backend: storage, keystores: keystores,
                                        auditLog: AuditLogFile(path: directory.appendingPathComponent("audit.log").path))
        let application = Application(router: buildRouter(operations: Operations(core: core)),
                                      configuration: .init(address: .hostname("127.0.0.1", port: 0)))

        let secrets = try await application.test(.live) { client async throws -> [String] in
            let port = try #require(client.port)
            let initRun = try await Self.openkcmOffPool(["operator", "init", "--shares", "3", "--threshold", "2", "--output", "json"], port: port, token: nil)
            #expect(initRun.status == 0, "\(initRun.stderr)")
            let initAnswer = Self.json(initRun.stdout)
            let root = try #require(initAnswer["rootToken"] as? String)
            let shares = try #require(initAnswer["shares"] as? [String])

            #expect(try await Self.openkcmOffPool(["tenant", "create", "acme", "--l1-provider", "software", "--l1-key", "customer-l1"], port: port, token: root).status == 0)
            #expect(try await Self.openkcmOffPool(["service", "create", "--tenant", "acme", "payments"], port: port, token: root).status == 0)
            #expect(try await Self.openkcmOffPool(["key", "rotate", "--tenant", "acme"], port: port, token: root).status == 0)
            let identity = try await Self.openkcmOffPool(["identity", "create", "app", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--output", "json"],
                                            port: port, token: root)
            let app = try #require(Self.json(identity.stdout)["token"] as? String)
            let dataKey = Self.json(try await Self.openkcmOffPool(["datakey", "--tenant", "acme", "--service", "payments", "--context", "order=42", "--output", "json"],
                                                     port: port, token: app).stdout)
            let wrapped = try #require(dataKey["wrapped"] as? String)
            let plaintext = try #require(dataKey["plaintext"] as? String)

            let unwrapped = try await Self.openkcmOffPool(["unwrap", "--tenant", "acme", "--service", "payments", "--context", "order=42", "--output", "json", wrapped],
                                             port: port, token: app)
            #expect(Self.json(unwrapped.stdout)["plaintext"] as? String == plaintext)
            let refused = try await Self.openkcmOffPool(["unwrap", "--tenant", "acme", "--service", "payments", "--context", "order=43", wrapped], port: port, token: app)
            #expect(refused.status == 1 && refused.stderr.contains("envelope.authentication_failed"))
            let forbidden = try await Self.openkcmOffPool(["datakey", "--tenant", "acme", "--service", "payments"], port: port, token: root)
            #expect(forbidden.status == 1 && forbidden.stderr.contains("access.forbidden"))
            let wrappedOwn = try await Self.openkcmOffPool(["wrap", "--tenant", "acme", "--service", "payments"], port: port, token: app,
                                              stdin: Data(count: 32).base64EncodedString() + "\n")
            #expect(wrappedOwn.status == 0, "\(wrappedOwn.stderr)")
            // A subject's keys through the CLI, shredded with `subject destroy`; one key revoked with `datakey revoke`.
            let scope = ["--tenant", "acme", "--service", "payments"]
            let bound = Self.json(try await Self.openkcmOffPool(["datakey", "generate"] + scope + ["--subject", "user-7", "--output", "json"], port: port, token: app).stdout)
            let boundWrapped = try #require(bound["wrapped"] as? String)
            let boundOpened = try await Self.openkcmOffPool(["unwrap"] + scope + ["--subject", "user-7", "--output", "json", boundWrapped], port: port, token: app)
            #expect(Self.json(boundOpened.stdout)["plaintext"] as? String == bound["plaintext"] as? String, "\(boundOpened.stderr)")
            let shredded = try await Self.openkcmOffPool(["subject", "destroy"] + scope + ["user-7", "--output", "json"], port: port, token: app)
            #expect(shredded.status == 0 && Self.json(shredded.stdout)["destroyed"] as? Bool == true, "\(shredded.stderr)")
            let gone = try await Self.openkcmOffPool(["unwrap"] + scope + ["--subject", "user-7", boundWrapped], port: port, token: app)
            #expect(gone.status == 1 && gone.stderr.contains("keychain.subject_destroyed"), "\(gone.stderr)")
            let doomed = try #require(Self.json(try await Self.openkcmOffPool(["datakey"] + scope + ["--output", "json"], port: port, token: app).stdout)["wrapped"] as? String)
            #expect(try await Self.openkcmOffPool(["datakey", "revoke"] + scope + [doomed], port: port, token: app).status == 0)
            let revoked = try await Self.openkcmOffPool(["unwrap"] + scope + [doomed], port: port, token: app)
            #expect(revoked.status == 1 && revoked.stderr.contains("datakey.revoked"), "\(revoked.stderr)")
            #expect(try await Self.openkcmOffPool(["audit", "verify"], port: port, token: root).status == 0)
            #expect(try await Self.openkcmOffPool(["tenant", "list"], port: 1, token: root).status == 4)

            // Seal, then unseal with shares from stdin.
            #expect(try await Self.openkcmOffPool(["operator", "seal"], port: port, token: root).status == 0)
            #expect(try await Self.openkcmOffPool(["unwrap", "--tenant", "acme", "--service", "payments", "--context", "order=42", wrapped], port: port, token: app).status == 3)
            #expect(try await Self.openkcmOffPool(["operator", "unseal"], port: port, token: nil, stdin: shares[2] + "\n").status == 0)
            let unsealRun = try await Self.openkcmOffPool(["operator", "unseal", "--output", "json"], port: port, token: nil, stdin: shares[0] + "\n")
            #expect(Self.json(unsealRun.stdout)["sealed"] as? Bool == false)

            var secrets = [plaintext, root, app, String(root.split(separator: ".")[2]), String(app.split(separator: ".")[2])]
            let unsealed = try core.unsealed()
            _ = try await unsealed.keyChain.generateDataKey(tenant: try TenantID("acme"), service: try ServiceID("payments"))
            for key in unsealed.keyChain.unsealedKeyMaterial(for: try TenantID("acme")) + [unsealed.masterKey.key] {
                secrets.append(key.withUnsafeBytes { Data($0).base64EncodedString() })
            }
            return secrets + shares
        }
        await core.seal()
        try await storage.close()

        // Scan every file of the data directory for each secret: raw bytes (from base64), base64 and hex.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.contains("openkcm.sqlite") && files.contains("audit.log"))
        var found: [String] = []
        for file in files {
            let contents = try Data(contentsOf: directory.appendingPathComponent(file))
            for (index, secret) in secrets.enumerated() {
                var needles = [Data(secret.utf8)]
                if let raw = Data(base64Encoded: secret) { needles += [raw, Data(raw.map { String(format: "%02x", $0) }.joined().utf8)] }
                if let raw = [UInt8](hex: secret) { needles.append(Data(raw)) }
                for needle in needles where needle.count >= 16 && contents.range(of: needle) != nil {
                    found.append("secret \(index) in \(file)")
                }
            }
        }
        #expect(found.isEmpty, "\(found)")
        #expect(secrets.count >= 12)
    }
}
