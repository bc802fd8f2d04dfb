/// `[kmip]`: where the KMIP listener binds and the TLS material it uses.
/// Client certificates are required and must chain to `clientCAFile`, to the
/// server's own KMIP client CA, or to a trusted CA (`/v1/kmip/trusted-cas`).
public struct KMIPListenerConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The server's certificate chain (PEM), leaf first.
    public var certificateFile: String
    public var keyFile: String
    /// Further CAs client certificates may chain to (PEM), for clients
    /// registered by certificate fingerprint; optional.
    public var clientCAFile: String?

    public init(host: String = "127.0.0.1", port: Int = 5696, certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.host = host
        self.port = port
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }
}
