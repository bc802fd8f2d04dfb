public import Logging
public import OpenKCMCore
public import OpenKCMPostgres
import OpenKCMSQLite

/// Where a node's store lives, as its configuration says: the embedded
/// SQLite file in the data directory, or the PostgreSQL schema replicas
/// share. The server opens it so, and so do the offline tools that write a
/// store no server runs on yet (`backup restore`, `storage migrate`).
public struct StoreLocation: Sendable, CustomStringConvertible {
    public var dataDirectory: String
    /// nil: the SQLite file `openkcm.sqlite` in ``dataDirectory``.
    public var postgres: PostgresStorageConfiguration?

    public init(dataDirectory: String, postgres: PostgresStorageConfiguration?) {
        self.dataDirectory = dataDirectory
        self.postgres = postgres
    }

    public var sqlitePath: String { dataDirectory + "/openkcm.sqlite" }

    public var description: String {
        if let postgres { return "PostgreSQL \(postgres.host):\(postgres.port)/\(postgres.database) schema \(postgres.schema)" }
        return "SQLite \(sqlitePath)"
    }

    /// Opens (creating if needed) the store; `close` ends its connections.
    public func open(logger: Logger) async throws -> (storage: any Storage, close: @Sendable () async -> Void) {
        if let postgres {
            let shared = try await PostgresStorage.connect(postgres, logger: logger)
            return (shared, { await shared.close() })
        }
        let sqlite = try await SQLiteStorage.open(path: sqlitePath)
        return (sqlite, { try? await sqlite.close() })
    }
}
