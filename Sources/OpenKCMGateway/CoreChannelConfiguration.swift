public import NIOSSL

/// Where the core's data-key channel listens (`openkcm server --channel-address`),
/// and the TLS to speak to it: the same trust as for the core's REST address.
/// Several replicas' channels may be given: a new connection goes to the one
/// that answered last, and to the next when it cannot be reached.
public struct CoreChannelConfiguration: Sendable {
    public struct Endpoint: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public var endpoints: [Endpoint]
    /// Nil for a core whose REST is plain HTTP (its channel is plain TCP too).
    /// A context, not a configuration: built where the gateway starts, so a bad CA file stops it there.
    public var tls: NIOSSLContext?

    /// The first replica's channel.
    public var host: String { endpoints[0].host }
    public var port: Int { endpoints[0].port }

    public init(host: String, port: Int, tls: NIOSSLContext? = nil) {
        self.init(endpoints: [Endpoint(host: host, port: port)], tls: tls)
    }

    /// - Precondition: `endpoints` is not empty.
    public init(endpoints: [Endpoint], tls: NIOSSLContext? = nil) {
        precondition(!endpoints.isEmpty, "a core channel needs an address")
        self.endpoints = endpoints
        self.tls = tls
    }
}
