import Foundation
import OpenKCMTestSupport
import Testing
import OpenKCMCore

/// `openkcm server --seal software:FILE`: init wraps the MasterKey with the
/// seal keystore, and every later start unseals by itself; a wrong seal key
/// leaves the server sealed with a clear message, never crashed.
@Suite struct AutoUnsealServerTests {
    static func start(_ directory: URL, seal: String, port: Int) throws -> Process {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
        server.arguments = ["server", "--data-dir", directory.path, "--address", "127.0.0.1:\(port)", "--seal", seal]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        return server
    }

    static func waitForStatus(port: Int) async throws -> [String: Any] {
        let answer = try await Eventually.value(every: .milliseconds(100)) { () -> [String: Any]? in
            let run = try EndToEndTests.openkcm(["operator", "status", "--output", "json"], port: port, token: nil)
            return run.status == 0 ? EndToEndTests.json(run.stdout) : nil
        }
        guard let answer else { throw CancellationError() }
        return answer
    }

    @Test func theServerUnsealsItselfAtStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-seal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let seal = "software:" + directory.appendingPathComponent("seal.key").path
        let port = FreePort.pick()

        var server = try Self.start(directory, seal: seal, port: port)
        #expect(try await Self.waitForStatus(port: port)["initialized"] as? Bool == false)
        let initRun = try EndToEndTests.openkcm(["operator", "init", "--output", "json"], port: port, token: nil)
        let answer = EndToEndTests.json(initRun.stdout)
        #expect((answer["shares"] as? [String])?.isEmpty == true, "\(initRun.stdout) \(initRun.stderr)")
        let root = try #require(answer["rootToken"] as? String)
        #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 0)
        EndToEndTests.stop(server)

        // Restart: unsealed with no operator.
        server = try Self.start(directory, seal: seal, port: port)
        let status = try await Self.waitForStatus(port: port)
        #expect(status["sealed"] as? Bool == false && status["kind"] as? String == "keystore", "\(status)")
        #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 0)
        EndToEndTests.stop(server)

        // A different seal key: the server starts, stays sealed, and says why through the API.
        let wrong = "software:" + directory.appendingPathComponent("other.key").path
        server = try Self.start(directory, seal: wrong, port: port)
        defer { EndToEndTests.stop(server) }
        #expect(try await Self.waitForStatus(port: port)["sealed"] as? Bool == true)
        let refused = try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root)
        #expect(refused.status == 3 && refused.stderr.contains("barrier.sealed"), "\(refused.stderr)")
    }
}
