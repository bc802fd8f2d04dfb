import Foundation
import Testing
import OpenKCMCore
import OpenKCMSQLite
import OpenKCMTestSupport
import SQLiteNIO

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct SQLiteStorageConformanceTests {
    @Test(arguments: StorageConformance.checks)
    func conforms(check: StorageConformanceCheck) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let storage = try await SQLiteStorage.open(path: directory.appendingPathComponent("openkcm.sqlite").path)
        // Closed on failure too: an open connection's deinit asserts and would take the whole test run down.
        do {
            try await check.run(storage)
        } catch {
            try await storage.close()
            throw error
        }
        try await storage.close()
    }
}

@Suite struct SQLiteStorageTests {
    @Test func recordsSurviveAReopen() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("openkcm.sqlite").path
        let first = try await SQLiteStorage.open(path: path)
        try await first.write([.put(key: "a/1", value: Data([1])), .put(key: "a/2", value: Data([2]))])
        try await first.close()
        await #expect(throws: StorageError.closed) { _ = try await first.get("a/1") }

        let second = try await SQLiteStorage.open(path: path)
        #expect(try await second.list(prefix: "a/") == ["a/1", "a/2"])
        #expect(try await second.get("a/2") == Data([2]))
        try await second.close()
    }

    @Test func theDatabaseRunsInWALModeWithFullSync() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("openkcm.sqlite").path
        let storage = try await SQLiteStorage.open(path: path)
        try await storage.put("k", value: Data([1]))
        #expect(try await storage.pragma("journal_mode") == "wal")
        #expect(try await storage.pragma("synchronous") == "2")  // FULL
        #expect(try await storage.pragma("secure_delete") == "1")
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try await storage.close()
    }

    /// A write that fails half-way leaves nothing behind: a trigger injects
    /// the failure inside the transaction, after the first put ran.
    @Test func aWriteThatFailsHalfWayAppliesNothing() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("openkcm.sqlite").path
        let storage = try await SQLiteStorage.open(path: path)
        try await storage.put("a/0", value: Data([0]))
        let saboteur = try await SQLiteConnection.open(storage: .file(path: path))
        try await saboteur.query(
            "CREATE TRIGGER fail_insert BEFORE INSERT ON records WHEN NEW.key = 'fail/me' BEGIN SELECT RAISE(ABORT, 'injected'); END", []
        ) { _ in }
        try await saboteur.close()

        await #expect(throws: StorageError.self) {
            try await storage.write([
                .put(key: "a/1", value: Data([1])), .delete(key: "a/0"), .put(key: "fail/me", value: Data([2])), .put(key: "a/2", value: Data([3])),
            ])
        }
        #expect(try await storage.get("a/1") == nil)
        #expect(try await storage.get("a/0") == Data([0]))
        #expect(try await storage.list(prefix: "") == ["a/0"])
        // The store is still usable afterwards.
        try await storage.write([.put(key: "a/3", value: Data([3]))])
        #expect(try await storage.get("a/3") == Data([3]))
        try await storage.close()
    }

    @Test func aMissingDirectoryGivesATypedError() async throws {
        await #expect(throws: StorageError.self) {
            _ = try await SQLiteStorage.open(path: "/nonexistent-dir-\(UUID().uuidString)/x.sqlite")
        }
    }
}
