public import Foundation
public import Logging
public import OpenKCMCore
import NIOCore
import NIOSSL
import PostgresNIO

/// ``Storage`` on PostgreSQL: the store several replicas share.
///
/// One table, `openkcm_records (key text COLLATE "C" PRIMARY KEY, value bytea)`:
/// keys sort byte by byte as ``Storage/list(prefix:)`` promises, values are
/// the barrier's ciphertext. Every transaction runs at SERIALIZABLE isolation,
/// so a conditional ``write(_:if:)`` checks its conditions and applies its
/// mutations as if no other transaction ran meanwhile; PostgreSQL aborts one
/// of two conflicting transactions (SQLSTATE 40001) and it is run again from
/// the start, conditions included, which is always safe since nothing of it
/// was applied. A failure whose outcome is unknown (the connection lost at
/// commit) is never retried here: the barrier reads the store again.
public final class PostgresStorage: Storage {
    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger: Logger
    /// How long one attempt may take, waiting for a connection included:
    /// an unreachable database fails the request within it, never hangs it.
    private let attemptTimeout: Duration
    /// A transaction aborted by a conflict is run again at most this often.
    static let maximumAttempts = 16

    private init(client: PostgresClient, running: Task<Void, Never>, logger: Logger, attemptTimeout: Duration) {
        self.client = client
        self.running = running
        self.logger = logger
        self.attemptTimeout = attemptTimeout
    }

    /// Connects (the pool opens connections as needed) and creates the table if it is missing.
    public static func connect(
        _ configuration: PostgresStorageConfiguration, logger: Logger = Logger(label: "openkcm.postgres")
    ) async throws -> PostgresStorage {
        guard PostgresStorageConfiguration.isPlainIdentifier(configuration.schema) else {
            throw StorageError.backendFailure("PostgreSQL schema '\(configuration.schema)' is not a plain identifier (a-z, 0-9, _)")
        }
        let tls: PostgresClient.Configuration.TLS
        switch configuration.tls {
        case .disable:
            tls = .disable
        case .require(let caFile):
            var client = TLSConfiguration.makeClientConfiguration()
            client.minimumTLSVersion = .tlsv12
            if let caFile { client.trustRoots = .file(caFile) }
            tls = .require(client)
        }
        var postgres = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: tls)
        postgres.options.maximumConnections = configuration.maximumConnections
        postgres.options.connectTimeout = configuration.connectTimeout
        postgres.options.additionalStartupParameters = [
            ("application_name", "openkcm"),
            ("default_transaction_isolation", "serializable"),
            ("statement_timeout", String(Self.milliseconds(configuration.statementTimeout))),
            ("search_path", configuration.schema),
        ]
        let client = PostgresClient(configuration: postgres, backgroundLogger: logger)
        let running = Task { await client.run() }
        let storage = PostgresStorage(
            client: client, running: running, logger: logger,
            attemptTimeout: configuration.connectTimeout + configuration.statementTimeout)
        do {
            try await storage.createTable(schema: configuration.schema)
        } catch {
            await storage.close()
            throw error
        }
        return storage
    }

    /// Stops the pool; later calls fail.
    public func close() async {
        running.cancel()
        await running.value
    }

    private func createTable(schema: String) async throws {
        // Checked to be a plain identifier: safe to put in the statement (schemas cannot be bound).
        let statements = [
            PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"),
            PostgresQuery(unsafeSQL: #"CREATE TABLE IF NOT EXISTS openkcm_records (key text COLLATE "C" PRIMARY KEY NOT NULL, value bytea NOT NULL)"#),
        ]
        for statement in statements {
            try await retrying {
                do {
                    _ = try await self.client.query(statement, logger: self.logger)
                } catch let error as PSQLError where ["23505", "42P06", "42P07"].contains(Self.sqlState(error) ?? "") {
                    // Two nodes creating it at once: the other one made it.
                }
            }
        }
    }

    // MARK: Storage

    public func get(_ key: String) async throws -> Data? {
        try StoragePath.validate(key)
        return try await retrying {
            let rows = try await self.client.query("SELECT value FROM openkcm_records WHERE key = \(key)", logger: self.logger)
            var value: Data?
            for try await stored in rows.decode(Data.self) { value = stored }
            return value
        }
    }

    public func put(_ key: String, value: Data) async throws {
        try await write([.put(key: key, value: value)], if: [])
    }

    public func delete(_ key: String) async throws {
        try await write([.delete(key: key)], if: [])
    }

    public func list(prefix: String) async throws -> [String] {
        try await retrying {
            // A range scan on the primary key instead of LIKE: no escaping, and byte order (COLLATE "C").
            let rows: PostgresRowSequence
            if let upper = StoragePath.upperBound(ofPrefix: prefix) {
                rows = try await self.client.query(
                    "SELECT key FROM openkcm_records WHERE key >= \(prefix) AND key < \(upper) ORDER BY key", logger: self.logger)
            } else {
                rows = try await self.client.query("SELECT key FROM openkcm_records WHERE key >= \(prefix) ORDER BY key", logger: self.logger)
            }
            var keys: [String] = []
            for try await key in rows.decode(String.self) { keys.append(key) }
            return keys
        }
    }

    public func write(_ mutations: [StorageMutation], if conditions: [StorageCondition]) async throws {
        for mutation in mutations { try StoragePath.validate(mutation.key) }
        for condition in conditions { try StoragePath.validate(condition.key) }
        if mutations.isEmpty && conditions.isEmpty { return }
        try await retrying {
            try await self.client.withTransaction(logger: self.logger) { connection in
                // Said here, not only as the connection's default: a pooler in front of PostgreSQL may drop
                // startup parameters, and the conditions below hold only at SERIALIZABLE.
                try await connection.query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", logger: self.logger)
                for condition in conditions {
                    // The version is the value's first 8 bytes: no need to read the rest.
                    let rows = try await connection.query(
                        "SELECT substring(value from 1 for 8) FROM openkcm_records WHERE key = \(condition.key)", logger: self.logger)
                    var head: Data?
                    for try await stored in rows.decode(Data.self) { head = stored }
                    guard condition.holds(for: head) else { throw StorageError.conditionFailed(key: condition.key) }
                }
                for mutation in mutations {
                    switch mutation {
                    case .put(let key, let value):
                        try await connection.query(
                            "INSERT INTO openkcm_records (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                            logger: self.logger)
                    case .delete(let key):
                        try await connection.query("DELETE FROM openkcm_records WHERE key = \(key)", logger: self.logger)
                    }
                }
            }
        }
    }

    /// Removes deleted rows' old versions from the table's files (VACUUM).
    /// PostgreSQL's WAL, its archive and its standbys keep them until they
    /// are recycled: docs/operations.md says what crypto-shredding needs there.
    public func purgeDeleted() async throws {
        try await retrying {
            _ = try await self.client.query("VACUUM openkcm_records", logger: self.logger)
        }
    }

    // MARK: Errors and retries

    /// Runs `body`, again after a serialization failure or deadlock (nothing of
    /// it was applied), each attempt bounded by ``attemptTimeout``, and maps
    /// PostgreSQL's errors to ``StorageError``.
    private func retrying<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await bounded(body)
            } catch {
                let unwrapped = Self.unwrap(error)
                if let storage = unwrapped as? StorageError { throw storage }
                if let postgres = unwrapped as? PSQLError, ["40001", "40P01"].contains(Self.sqlState(postgres) ?? ""), attempt < Self.maximumAttempts {
                    attempt += 1
                    // Spread the retries of transactions that keep colliding.
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
                    continue
                }
                throw StorageError.backendFailure(Self.describe(unwrapped))
            }
        }
    }

    /// `body`, with its wait for a connection bounded by ``attemptTimeout``.
    /// When the time is up the attempt is cancelled, which ends a wait for a
    /// connection (an unreachable database) with
    /// ``StorageError/backendFailure(_:)``; a statement already sent cannot be
    /// called back, so its own outcome is awaited and told as it is (the
    /// server's `statement_timeout` bounds it), never guessed.
    private func bounded<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let timeout = attemptTimeout
        return try await withThrowingTaskGroup(of: Outcome<Result>.self) { group in
            group.addTask { .finished(try await body()) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .timedOut
            }
            switch try await group.next() {
            case .finished(let result)?:
                group.cancelAll()
                return result
            case .timedOut?, nil:
                group.cancelAll()
                do {
                    if case .finished(let result)? = try await group.next() { return result }
                } catch where Task.isCancelled || Self.isCancellation(error) {}
                throw StorageError.backendFailure("PostgreSQL did not answer within \(timeout)")
            }
        }
    }

    /// How one bounded attempt ended.
    private enum Outcome<Result: Sendable>: Sendable {
        case finished(Result)
        case timedOut
    }

    /// Whether `error` is the cancellation of a wait (for a connection), not an answer.
    private static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let postgres = error as? PSQLError { return postgres.code == .queryCancelled || postgres.code == .poolClosed }
        return false
    }

    /// The error a transaction's closure, BEGIN or COMMIT threw.
    private static func unwrap(_ error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error
    }

    private static func sqlState(_ error: PSQLError) -> String? {
        error.serverInfo?[.sqlState]
    }

    /// What went wrong, without the query's bound values (records, keys).
    private static func describe(_ error: any Error) -> String {
        guard let postgres = error as? PSQLError else { return "PostgreSQL: \(type(of: error))" }
        if let server = postgres.serverInfo {
            return "PostgreSQL \(server[.sqlState] ?? "?"): \(server[.message] ?? "")"
        }
        return "PostgreSQL: \(postgres.code)"
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
