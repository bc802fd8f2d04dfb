public import NIOSSL

/// The one TLS policy of every listener OpenKCM runs: the REST API, the
/// data-key channel, and KMIP at the core and at the gateway. TLS 1.2 or
/// 1.3; in TLS 1.2 only ECDHE key exchange (forward secrecy) with AEAD
/// ciphers, AES-GCM or ChaCha20-Poly1305 (TLS 1.3's suites are all so).
/// Before it, the KMIP listeners took NIOSSL's default list, which still
/// offers CBC suites and static RSA key exchange in TLS 1.2.
public enum ServerTLSPolicy {
    /// The TLS 1.2 suites, in OpenSSL's cipher-list syntax.
    public static let tls12CipherSuites = "ECDHE+AESGCM:ECDHE+CHACHA20"

    /// A server configuration under this policy for `certificateChain` (leaf first) and `privateKey`.
    public static func server(certificateChain: [NIOSSLCertificateSource], privateKey: NIOSSLPrivateKey) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificateChain, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = tls12CipherSuites
        return configuration
    }
}
