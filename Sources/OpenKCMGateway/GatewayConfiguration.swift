/// What a gateway needs: the core it speaks for, the one (tenant, service)
/// it serves, the crypto identity's token (the same token local
/// applications present to it), where it listens, and its cache bounds.
public struct GatewayConfiguration: Sendable {
    /// The core's REST address; several replicas' comma-separated (``coreURLs``).
    public var coreURL: String
    /// Every core replica's REST address, in the order given: a batch goes to
    /// the one that answered last, and to the next when it cannot be reached
    /// or answers 503 (wraps and unwraps are safe to send again).
    public var coreURLs: [String] {
        coreURL.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }
    public var tenant: String
    public var service: String
    public var token: String
    public var host: String
    public var port: Int
    /// A Unix domain socket to listen on instead of host and port: only processes
    /// that may open the file (its directory's permissions) reach the gateway.
    public var socketPath: String?
    /// How long an unwrapped data key is served from memory without asking the core.
    public var cacheLifetime: Duration
    public var cacheCapacity: Int
    /// Wrap or unwrap requests sent to the core in one batch, at most (the core takes 1,000).
    public var batchLimit: Int
    /// Batches in flight to the core at once; requests arriving meanwhile wait for the next batch.
    public var batchesInFlight: Int
    /// A KMIP listener for local applications, besides the REST one.
    public var kmip: GatewayKMIPConfiguration?
    /// The core's data-key channel: batches go there instead of to the REST batch routes.
    public var coreChannel: CoreChannelConfiguration?

    public init(coreURL: String, tenant: String, service: String, token: String, host: String = "127.0.0.1", port: Int = 8300,
                socketPath: String? = nil, cacheLifetime: Duration = .seconds(60), cacheCapacity: Int = 100_000, batchLimit: Int = 1000,
                batchesInFlight: Int = 2) {
        self.coreURL = coreURL.hasSuffix("/") ? String(coreURL.dropLast()) : coreURL
        self.tenant = tenant
        self.service = service
        self.token = token
        self.host = host
        self.port = port
        self.socketPath = socketPath
        self.cacheLifetime = cacheLifetime
        self.cacheCapacity = max(1, cacheCapacity)
        self.batchLimit = min(max(1, batchLimit), 1000)
        self.batchesInFlight = max(1, batchesInFlight)
    }
}
