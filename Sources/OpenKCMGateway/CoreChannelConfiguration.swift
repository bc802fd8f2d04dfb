public import NIOSSL

/// Where the core's data-key channel listens (`openkcm server --channel-address`),
/// and the TLS to speak to it: the same trust as for the core's REST address.
public struct CoreChannelConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Nil for a core whose REST is plain HTTP (its channel is plain TCP too).
    /// A context, not a configuration: built where the gateway starts, so a bad CA file stops it there.
    public var tls: NIOSSLContext?

    public init(host: String, port: Int, tls: NIOSSLContext? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}
