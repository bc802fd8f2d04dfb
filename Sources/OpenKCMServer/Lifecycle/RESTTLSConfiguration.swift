/// The REST listener's TLS: the server's certificate chain (PEM, leaf first)
/// and its private key (PEM). TLS 1.2 or 1.3; clients need not present a certificate.
public struct RESTTLSConfiguration: Sendable, Hashable {
    public var certificateFile: String
    public var keyFile: String

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}
