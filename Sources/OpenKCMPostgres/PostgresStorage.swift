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
///
/// Every write also announces the keys it wrote (`pg_notify`, delivered at
/// commit) on the channel `openkcm_<schema>`, and ``changes()`` listens on it
/// over a connection of its own: this is how each replica learns within
/// moments what the others changed (``StorageChangeFeed``).
public final class PostgresStorage: Storage, StorageChangeFeed, StorageLeadership {
    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger: Logger
    /// For the listening connection, which lives outside the pool.
    private let listenConfiguration: PostgresConnection.Configuration
    /// Where writes are announced: one channel per schema, so deployments sharing a database do not hear each other.
    private let channel: String
    /// The schema: advisory locks are per database, so their keys name it.
    private let schema: String
    /// How long one attempt may take, waiting for a connection included:
    /// an unreachable database fails the request within it, never hangs it.
    private let attemptTimeout: Duration
    /// A transaction aborted by a conflict is run again at most this often.
    static let maximumAttempts = 16

    private init(
        client: PostgresClient, running: Task<Void, Never>, logger: Logger, attemptTimeout: Duration,
        listenConfiguration: PostgresConnection.Configuration, channel: String, schema: String
    ) {
        self.listenConfiguration = listenConfiguration
        self.channel = channel
        self.schema = schema
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
        let listenTLS: PostgresConnection.Configuration.TLS
        switch configuration.tls {
        case .disable:
            tls = .disable
            listenTLS = .disable
        case .require(let caFile):
            var client = TLSConfiguration.makeClientConfiguration()
            client.minimumTLSVersion = .tlsv12
            if let caFile { client.trustRoots = .file(caFile) }
            tls = .require(client)
            listenTLS = .require(try NIOSSLContext(configuration: client))
        }
        var listenConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: listenTLS)
        listenConfiguration.options.connectTimeout = .nanoseconds(Int64(Self.milliseconds(configuration.connectTimeout)) * 1_000_000)
        // The listening connection carries the node's id, so the nodes of this schema can see who is up.
        let listenerName = configuration.nodeID.map { Self.listenerPrefix(schema: configuration.schema) + $0 } ?? "openkcm-listen"
        listenConfiguration.options.additionalStartupParameters = [("application_name", listenerName)]
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
            attemptTimeout: configuration.connectTimeout + configuration.statementTimeout,
            listenConfiguration: listenConfiguration, channel: "openkcm_" + configuration.schema, schema: configuration.schema)
        do {
            try await storage.createTable(schema: configuration.schema)
        } catch {
            await storage.close()
            throw error
        }
        return storage
    }

    /// Stops the pool; later calls fail. Waits a few seconds at most: a
    /// connection stuck on a dead network does not hold a shutdown up.
    public func close() async {
        running.cancel()
        let running = running
        _ = try? await Deadline.run(within: .seconds(5)) { await running.value }
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
                // Delivered to listeners only if this transaction commits.
                let payload = Self.announcement(of: mutations)
                try await connection.query("SELECT pg_notify(\(self.channel), \(payload))", logger: self.logger)
            }
        }
    }

    public func snapshot() async throws -> [StorageRecord] {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                // One snapshot for the whole read, and no statement timeout: a whole store takes longer than a request.
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
                try await connection.query("SET LOCAL statement_timeout = 0", logger: self.logger)
                let rows = try await connection.query("SELECT key, value FROM openkcm_records ORDER BY key", logger: self.logger)
                var records: [StorageRecord] = []
                for try await (key, value) in rows.decode((String, Data).self) { records.append(StorageRecord(key: key, value: value)) }
                return records
            }
        } catch {
            let unwrapped = Self.unwrap(error)
            if let storage = unwrapped as? StorageError { throw storage }
            throw StorageError.backendFailure(Self.describe(unwrapped))
        }
    }

    public func load(_ records: [StorageRecord]) async throws {
        for record in records { try StoragePath.validate(record.key) }
        do {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", logger: self.logger)
                try await connection.query("SET LOCAL statement_timeout = 0", logger: self.logger)
                // Another loader (or a node writing) waits for this one's commit, then finds the table full.
                try await connection.query("LOCK TABLE openkcm_records IN EXCLUSIVE MODE", logger: self.logger)
                var any = false
                for try await _ in try await connection.query("SELECT key FROM openkcm_records LIMIT 1", logger: self.logger).decode(String.self) {
                    any = true
                }
                if any { throw StorageError.notEmpty }
                for record in records {
                    try await connection.query("INSERT INTO openkcm_records (key, value) VALUES (\(record.key), \(record.value))", logger: self.logger)
                }
                // Nodes already listening read everything again.
                try await connection.query("SELECT pg_notify(\(self.channel), '*')", logger: self.logger)
            }
        } catch {
            let unwrapped = Self.unwrap(error)
            if let storage = unwrapped as? StorageError { throw storage }
            throw StorageError.backendFailure(Self.describe(unwrapped))
        }
    }

    // MARK: Announcements

    /// Every commit of every writer on this schema from now on (see
    /// ``StorageChangeFeed``). Starts with ``StorageChange/unknown`` once
    /// listening, and again after each reconnection (what was committed
    /// while not listening is not known).
    public func changes() -> AsyncStream<StorageChange> {
        // Unbounded: a dropped announcement would be a change missed; the consumer only marks memory stale.
        let (stream, continuation) = AsyncStream.makeStream(of: StorageChange.self)
        let configuration = listenConfiguration
        let channel = channel
        let logger = logger
        let task = Task {
            var pause = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger
                    ).get()
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: channel) { notifications in
                            continuation.yield(.unknown)
                            pause = .milliseconds(100)
                            for try await notification in notifications {
                                continuation.yield(Self.change(announced: notification.payload))
                            }
                        }
                    } onCancel: {
                        let closing: EventLoopFuture<Void> = connection.close()
                        _ = closing
                    }
                    try? await connection.close()
                } catch {
                    if !Task.isCancelled {
                        logger.warning("PostgreSQL announcements interrupted, listening again", metadata: ["error": "\(Self.describe(error))"])
                    }
                }
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The nodes of this schema whose listening connection is open now.
    public func listeners() async throws -> [String] {
        let prefix = Self.listenerPrefix(schema: schema)
        return try await retrying {
            let rows = try await self.client.query(
                "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE \(prefix + "%")",
                logger: self.logger)
            var nodes: [String] = []
            for try await name in rows.decode(String.self) where name.hasPrefix(prefix) { nodes.append(String(name.dropFirst(prefix.count))) }
            return nodes.sorted()
        }
    }

    /// `openkcm:<8 hex of the schema>:`: short enough that a node id fits PostgreSQL's 63-byte application_name.
    static func listenerPrefix(schema: String) -> String {
        "openkcm:" + String(UInt64(bitPattern: advisoryKey(schema: schema, name: "listeners")) >> 32, radix: 16).leftPadded(to: 8) + ":"
    }

    // MARK: Leadership

    /// Session advisory locks (`pg_try_advisory_lock`) on a connection of
    /// their own: PostgreSQL releases one when its connection ends, so a node
    /// that dies (its process, its machine's connection) hands its duties on.
    public func lead(_ name: String, retry: Duration, _ duty: @escaping @Sendable () async -> Void) async {
        let key = Self.advisoryKey(schema: schema, name: name)
        var configuration = listenConfiguration
        // PostgreSQL drops a session whose node stopped answering (a partition, a dead machine) within
        // about 20 s, and the lock with it, instead of after the system's two-hour TCP keepalive.
        configuration.options.additionalStartupParameters = [
            ("application_name", "openkcm-lead"), ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"),
            ("tcp_keepalives_count", "2"),
        ]
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger
                ).get()
                while !Task.isCancelled && !connection.isClosed {
                    let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
                    var held = false
                    for try await granted in rows.decode(Bool.self) { held = granted }
                    if held {
                        let logger = logger
                        await withTaskGroup(of: Void.self) { group in
                            group.addTask { await duty() }
                            // Ends when the connection does (the lock went with it), or when it stops
                            // answering: this node then stops the duty rather than run it cut off from the
                            // store, while PostgreSQL keeps the lock until it drops the session.
                            group.addTask {
                                while !Task.isCancelled && !connection.isClosed {
                                    try? await Task.sleep(for: retry)
                                    let answered: Void? = try? await Deadline.run(within: retry) {
                                        for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                                    }
                                    if answered == nil { return }
                                }
                            }
                            await group.next()
                            group.cancelAll()
                            try? await connection.close()
                        }
                        break
                    }
                    try await Task.sleep(for: retry)
                }
                try? await connection.close()
            } catch {
                if !Task.isCancelled {
                    logger.warning("PostgreSQL leadership connection lost, asking again", metadata: ["error": "\(Self.describe(error))"])
                }
            }
            try? await Task.sleep(for: retry)
        }
    }

    /// A 64-bit advisory lock key for `name` in `schema` (FNV-1a: stable across processes and releases).
    static func advisoryKey(schema: String, name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "openkcm/\(schema)/\(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// What a write announces: its keys, one per line; `*` when they would
    /// not fit PostgreSQL's 8000-byte payload (listeners then assume anything changed).
    static func announcement(of mutations: [StorageMutation]) -> String {
        var keys: [String] = []
        var seen = Set<String>()
        var size = 0
        for mutation in mutations where seen.insert(mutation.key).inserted {
            size += mutation.key.utf8.count + 1
            if size > 7_900 { return "*" }
            keys.append(mutation.key)
        }
        return keys.joined(separator: "\n")
    }

    /// An announcement as received.
    static func change(announced payload: String) -> StorageChange {
        if payload == "*" { return .unknown }
        return .keys(payload.split(separator: "\n").map(String.init))
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

    /// `body`, bounded by ``attemptTimeout``: when the time is up the
    /// attempt is cancelled, which ends a wait for a connection (an
    /// unreachable database), and the caller gets
    /// ``StorageError/backendFailure(_:)`` whether or not a statement was
    /// already sent (a connection that stopped answering, a network that
    /// drops packets, would otherwise hang the request for good). A write
    /// abandoned so may still commit: the caller treats it as any write
    /// whose outcome is unknown (the barrier reads the store again).
    private func bounded<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        do {
            return try await Deadline.run(within: attemptTimeout, body)
        } catch is DeadlineExceeded {
            throw StorageError.backendFailure("PostgreSQL did not answer within \(attemptTimeout)")
        }
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

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
