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
    /// `[kmip] tls_compatibility = "kmip-1.x-suites"`: also offer, in TLS 1.2, the static-RSA CBC suites
    /// KMIP 1.x's authentication suites name, for clients that speak nothing else. Weaker (no forward
    /// secrecy, CBC), never by default.
    public var kmip1AuthenticationSuites = false

    public init(host: String = "127.0.0.1", port: Int = 5696, certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.host = host
        self.port = port
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }
}
