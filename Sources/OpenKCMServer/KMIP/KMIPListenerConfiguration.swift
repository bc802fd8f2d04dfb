/// `[kmip]`: where the KMIP listener binds and the TLS material it uses.
/// Client certificates are required and must chain to `clientCAFile`.
public struct KMIPListenerConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The server's certificate chain (PEM), leaf first.
    public var certificateFile: String
    public var keyFile: String
    /// The CAs client certificates must chain to (PEM).
    public var clientCAFile: String

    public init(host: String = "127.0.0.1", port: Int = 5696, certificateFile: String, keyFile: String, clientCAFile: String) {
        self.host = host
        self.port = port
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }
}
