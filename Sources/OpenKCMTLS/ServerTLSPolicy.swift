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

    /// The static-RSA CBC suites of KMIP 1.x's Basic Authentication Suite that BoringSSL
    /// still implements, TLS_RSA_WITH_AES_128_CBC_SHA and TLS_RSA_WITH_AES_256_CBC_SHA
    /// (it dropped the SHA-256 CBC variants the TLS 1.2 Authentication Suite adds): no
    /// forward secrecy, CBC. Offered only by a KMIP listener an operator opened to them
    /// by name, and only in TLS 1.2.
    public static let kmip1AuthenticationSuites = "AES128-SHA:AES256-SHA"

    /// A server configuration under this policy for `certificateChain` (leaf first) and `privateKey`.
    /// `kmip1Compatibility` adds ``kmip1AuthenticationSuites`` after the policy's own (so any client
    /// that offers both gets forward secrecy).
    public static func server(certificateChain: [NIOSSLCertificateSource], privateKey: NIOSSLPrivateKey,
                              kmip1Compatibility: Bool = false) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificateChain, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuites = kmip1Compatibility ? "\(tls12CipherSuites):\(kmip1AuthenticationSuites)" : tls12CipherSuites
        return configuration
    }
}
