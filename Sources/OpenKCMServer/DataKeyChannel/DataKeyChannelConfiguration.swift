/// `[server] channel_address` (`--channel-address`): where the data-key
/// channel listens for gateways. It speaks TLS with the REST listener's
/// certificate when REST does, and plain TCP when REST is plain.
public struct DataKeyChannelConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8201) {
        self.host = host
        self.port = port
    }
}
