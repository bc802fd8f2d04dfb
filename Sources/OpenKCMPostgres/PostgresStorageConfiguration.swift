/// Where and how ``PostgresStorage`` connects: one database that every
/// replica of a region shares.
public struct PostgresStorageConfiguration: Sendable {
    /// How the connection is protected.
    public enum TLSMode: Sendable, Equatable {
        /// Plain TCP: only for a database on the same host (loopback, tests).
        case disable
        /// TLS required, the server's certificate checked against `caFile`
        /// (PEM), or the system's roots when nil, and its name against `host`.
        case require(caFile: String?)
    }

    public var host: String
    public var port: Int
    public var username: String
    /// Read from a file or the environment by the caller, never from the command line.
    public var password: String?
    public var database: String
    /// The schema the table lives in (created if missing), so that several
    /// deployments or test runs can share one database. Lowercase letters,
    /// digits and `_`, starting with a letter or `_`, at most 63 bytes.
    public var schema: String
    public var tls: TLSMode
    /// Connections in the pool, at most.
    public var maximumConnections: Int
    /// How long one statement may run before the server cancels it, so a
    /// stuck lock or a slow disk fails a request instead of hanging it.
    public var statementTimeout: Duration
    /// How long connecting may take.
    public var connectTimeout: Duration
    /// This node's id, shown to the other nodes as the `application_name`
    /// of its listening connection (``PostgresStorage/listeners()``).
    public var nodeID: String? = nil

    public init(
        host: String, port: Int = 5432, username: String, password: String?, database: String, schema: String = "public", tls: TLSMode,
        maximumConnections: Int = 16, statementTimeout: Duration = .seconds(5), connectTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
        self.tls = tls
        self.maximumConnections = maximumConnections
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
    }

    /// Whether `schema` is a name that needs no quoting.
    static func isPlainIdentifier(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63, first == 0x5F || (0x61...0x7A).contains(first) else { return false }
        return bytes.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }
}
