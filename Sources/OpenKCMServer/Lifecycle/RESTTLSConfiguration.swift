/// The REST listener's TLS: the server's certificate chain (PEM, leaf first)
/// and its private key (PEM). TLS 1.2 or 1.3; clients need not present a
/// certificate, but one they present must chain to `clientCAFile` when set
/// (the governance plane: regional cores' certificates, bound to their tokens).
public struct RESTTLSConfiguration: Sendable, Hashable {
    public var certificateFile: String
    public var keyFile: String
    public var clientCAFile: String?

    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
    }
}
