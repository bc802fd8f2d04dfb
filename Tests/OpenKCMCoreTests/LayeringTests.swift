import Foundation
import Testing

/// The core stays pure: no networking, HTTP server or SQL module may be
/// imported by any file of OpenKCMCore, and the KMIP codec imports nothing
/// at all (scripts/check-layering does the same checks outside Swift).
@Suite struct LayeringTests {
    static let forbidden = ["NIO", "Hummingbird", "SQLite", "Postgres", "AsyncHTTPClient", "Logging", "Metrics"]

    @Test func openKCMCoreImportsNoIOModules() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/OpenKCMCore")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 10)
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let importIndex = words.firstIndex(of: "import"), importIndex + 1 < words.count else { continue }
                let module = String(words[importIndex + 1])
                let bad = Self.forbidden.contains { module.hasPrefix($0) || module.contains("SQL") }
                #expect(!bad, "\(file) imports \(module)")
            }
        }
    }

    @Test func theKMIPCodecImportsNothing() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/KMIP")
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 5)
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.split(separator: " ").contains("import")
                && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                Issue.record("\(file) imports: \(line)")
            }
        }
    }
}
