public import Foundation
public import OpenKCMCore
public import Logging
import NIOCore
import SQLiteNIO

/// The embedded default ``Storage``: one SQLite file in WAL mode with
/// `synchronous=FULL`, so an acknowledged write survives power loss.
///
/// All statements go through one connection, serialised, so that a
/// multi-record ``write(_:)`` runs as one `BEGIN IMMEDIATE ... COMMIT`
/// transaction that no other statement can interleave with.
public final class SQLiteStorage: Storage {
    private let connection: SQLiteConnection
    /// One connection, one statement or transaction at a time.
    private let serial = KeyedAsyncLock<Int>()

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Opens (creating if needed) the database at `path`.
    public static func open(path: String, logger: Logger = Logger(label: "openkcm.sqlite")) async throws -> SQLiteStorage {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StorageError.backendFailure("cannot open SQLite database at \(path): \(error)")
        }
        let storage = SQLiteStorage(connection: connection)
        do {
            try await storage.execute("PRAGMA journal_mode=WAL")
            try await storage.execute("PRAGMA synchronous=FULL")
            // Deleted records are overwritten in the file, not just unlinked: crypto-shredding.
            try await storage.execute("PRAGMA secure_delete=ON")
            try await storage.execute(
                "CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")
        } catch {
            try? await connection.close()
            throw error
        }
        return storage
    }

    /// Closes the connection; later calls fail with ``StorageError/closed``.
    public func close() async throws {
        try await serial.withLock(0) { try await self.connection.close() }
    }

    /// Folds the WAL back into the database file and truncates it. With
    /// `secure_delete` on, a deleted record's bytes are then gone from both
    /// files, not just unlinked: this is what makes crypto-shredding final.
    public func purgeDeleted() async throws {
        let rows = try await query("PRAGMA wal_checkpoint(TRUNCATE)", [])
        // The row is (busy, log frames, checkpointed frames); busy means a reader
        // kept old frames alive, so the shredding is not final yet.
        guard let busy = rows.first?.columns.first?.data.integer, busy == 0 else {
            throw StorageError.backendFailure("the WAL could not be checkpointed; deleted records may remain in it")
        }
    }

    public func get(_ key: String) async throws -> Data? {
        try StoragePath.validate(key)
        let rows = try await query("SELECT value FROM records WHERE key = ?1", [.text(key)])
        guard let row = rows.first else { return nil }
        return Self.blob(row.column("value"))
    }

    public func put(_ key: String, value: Data) async throws {
        try StoragePath.validate(key)
        _ = try await query(
            "INSERT INTO records (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [.text(key), .blob(ByteBuffer(bytes: value))])
    }

    public func delete(_ key: String) async throws {
        try StoragePath.validate(key)
        _ = try await query("DELETE FROM records WHERE key = ?1", [.text(key)])
    }

    public func list(prefix: String) async throws -> [String] {
        // A range scan instead of LIKE: no escaping, and it uses the primary key.
        let rows: [SQLiteRow]
        if let upper = StoragePath.upperBound(ofPrefix: prefix) {
            rows = try await query(
                "SELECT key FROM records WHERE key >= ?1 AND key < ?2 ORDER BY key", [.text(prefix), .text(upper)])
        } else {
            rows = try await query("SELECT key FROM records WHERE key >= ?1 ORDER BY key", [.text(prefix)])
        }
        return rows.compactMap { $0.column("key")?.string }
    }

    public func write(_ mutations: [StorageMutation], if conditions: [StorageCondition]) async throws {
        for mutation in mutations { try StoragePath.validate(mutation.key) }
        for condition in conditions { try StoragePath.validate(condition.key) }
        try await serial.withLock(0) {
            // IMMEDIATE takes the database's write lock first: no other connection (another
            // process on the same file) writes between the conditions' reads and the commit.
            try await self.raw("BEGIN IMMEDIATE")
            do {
                for condition in conditions {
                    // The version is the value's first 8 bytes: no need to read the rest.
                    let rows = try await self.raw("SELECT substr(value, 1, 8) AS head FROM records WHERE key = ?1", [.text(condition.key)])
                    guard condition.holds(for: rows.first.map { Self.blob($0.column("head")) ?? Data() }) else {
                        throw StorageError.conditionFailed(key: condition.key)
                    }
                }
                for mutation in mutations {
                    switch mutation {
                    case .put(let key, let value):
                        try await self.raw(
                            "INSERT INTO records (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            [.text(key), .blob(ByteBuffer(bytes: value))])
                    case .delete(let key):
                        try await self.raw("DELETE FROM records WHERE key = ?1", [.text(key)])
                    }
                }
                try await self.raw("COMMIT")
            } catch {
                _ = try? await self.raw("ROLLBACK")
                throw error
            }
        }
    }

    public func snapshot() async throws -> [StorageRecord] {
        // One statement: SQLite reads it from one snapshot of the database (WAL), whatever other connections commit meanwhile.
        let rows = try await query("SELECT key, value FROM records ORDER BY key", [])
        return try rows.map { row in
            guard let key = row.column("key")?.string, let value = Self.blob(row.column("value")) else {
                throw StorageError.backendFailure("a record of the SQLite store is not a text key with a blob value")
            }
            return StorageRecord(key: key, value: value)
        }
    }

    public func load(_ records: [StorageRecord]) async throws {
        for record in records { try StoragePath.validate(record.key) }
        try await serial.withLock(0) {
            try await self.raw("BEGIN IMMEDIATE")
            do {
                guard try await self.raw("SELECT key FROM records LIMIT 1").isEmpty else { throw StorageError.notEmpty }
                for record in records {
                    try await self.raw("INSERT INTO records (key, value) VALUES (?1, ?2)", [.text(record.key), .blob(ByteBuffer(bytes: record.value))])
                }
                try await self.raw("COMMIT")
            } catch {
                _ = try? await self.raw("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: Statements

    private func execute(_ sql: String) async throws {
        _ = try await query(sql, [])
    }

    fileprivate func query(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        try await serial.withLock(0) { try await self.rawRows(sql, binds) }
    }

    /// Runs one statement; the caller holds the queue.
    @discardableResult
    private func raw(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await rawRows(sql, binds)
    }

    private func rawRows(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        guard !connection.isClosed else { throw StorageError.closed }
        do {
            return try await connection.query(sql, binds)
        } catch {
            // SQLite's message names the failing statement, never bound values.
            throw StorageError.backendFailure("\(error)")
        }
    }

    private static func blob(_ data: SQLiteData?) -> Data? {
        guard case .blob(let buffer) = data else { return nil }
        return Data(buffer.readableBytesView)
    }
}

extension SQLiteStorage {
    /// The value of a PRAGMA, for diagnostics and tests.
    public func pragma(_ name: String) async throws -> String? {
        guard name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
            throw StorageError.invalidKey("not a pragma name")
        }
        let rows = try await query("PRAGMA \(name)", [])
        return rows.first.flatMap { row in
            row.columns.first.flatMap { $0.data.string ?? $0.data.integer.map(String.init) }
        }
    }
}
