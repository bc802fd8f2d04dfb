/// The gateway's KMIP listener (`--kmip-address`): mutual TLS for local
/// applications. Every client certificate that chains to `clientCAFile` is
/// served as the gateway's own (tenant, service): the gateway is that
/// application's, and the CA is how the operator says which processes are.
public struct GatewayKMIPConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The gateway's certificate chain (PEM), leaf first.
    public var certificateFile: String
    public var keyFile: String
    /// The CAs the local clients' certificates must chain to (PEM).
    public var clientCAFile: String

    public init(host: String = "127.0.0.1", port: Int = 5696, certificateFile: String, keyFile: String, clientCAFile: String) {
        self.host = host
        self.port = port
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }
}
