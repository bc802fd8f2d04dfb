import Foundation
import OpenKCMTestSupport
import Testing
import OpenKCMCore

/// A `kill -9` of the real server loses no answered audit entry: every
/// request answered before the kill has its entry in audit.log.
@Suite struct KillNineTests {
    @Test func everyAnsweredEntrySurvivesKillNine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-kill9-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = FreePort.pick()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: EndToEndTests.binary)
        server.arguments = ["server", "--data-dir", directory.path, "--address", "127.0.0.1:\(port)"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }

        // Wait for the listener, then initialise through the CLI.
        let initRun = try await Eventually.value(every: .milliseconds(100)) { () -> EndToEndTests.Run? in
            let attempt = try EndToEndTests.openkcm(["operator", "init", "--shares", "2", "--threshold", "2", "--output", "json"], port: port, token: nil)
            return attempt.status == 0 ? attempt : nil
        }
        let initialised = try #require(initRun)
        let root = try #require(EndToEndTests.json(initialised.stdout)["rootToken"] as? String)

        var answered = 0
        for index in 0..<20 {
            let run = try EndToEndTests.openkcm(["tenant", "create", "t\(index)", "--l1-provider", "software", "--l1-key", "none"], port: port, token: root)
            #expect(run.status == 1)  // refused (no such keystore), and audited
            answered += 1
            #expect(try EndToEndTests.openkcm(["tenant", "list"], port: port, token: root).status == 0)
            answered += 1
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()

        let log = try Data(contentsOf: directory.appendingPathComponent("audit.log"))
        let entries = try AuditLogFormat.lines(Array(log)).map { try AuditLogFormat.entry($0) }
        let requests = entries.filter { ($0.operation == "tenant.create" || $0.operation == "tenant.list") && $0.outcome != .attempted }
        #expect(requests.count == answered, "\(requests.count) entries for \(answered) answered requests")
    }
}
