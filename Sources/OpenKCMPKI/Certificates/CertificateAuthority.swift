import Crypto
public import Foundation
public import X509

/// A certificate authority OpenKCM runs itself: an ECDSA P-256 key and its
/// self-signed certificate, which issues TLS client certificates for KMIP
/// clients. The key is the caller's to store (the server keeps it sealed).
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// The raw private scalar, for sealed storage only.
    public var privateKeyRawRepresentation: Data { key.rawRepresentation }

    /// A new CA key and a self-signed certificate for it: `basicConstraints`
    /// CA with path length 0 (it signs end entities only), key usage
    /// keyCertSign and cRLSign.
    public static func create(subject: DistinguishedName, notBefore: Date, notAfter: Date) throws(PKIError) -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try sign(
            key: key, issuer: subject, subject: subject, publicKey: publicKey, notBefore: notBefore, notAfter: notAfter,
            authorityKeyIdentifier: Array(SubjectKeyIdentifier(hash: publicKey).keyIdentifier)
        ) {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        }
        return CertificateAuthority(key: key, certificate: certificate)
    }

    /// A CA read back from storage; the key must be the one the certificate names.
    public init(privateKeyRawRepresentation raw: Data, certificate: Certificate) throws(PKIError) {
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else { throw .malformed("the CA's private key") }
        guard Certificate.PublicKey(key.publicKey) == certificate.publicKey, certificate.isCertificateAuthority else {
            throw .malformed("the CA's key does not match its certificate")
        }
        self.init(key: key, certificate: certificate)
    }

    private init(key: P256.Signing.PrivateKey, certificate: Certificate) {
        self.key = key
        self.certificate = certificate
    }

    /// A TLS client certificate for `publicKey`: not a CA, key usage
    /// digitalSignature, extended key usage clientAuth, a random serial.
    public func issueClientCertificate(subject: DistinguishedName, publicKey: ClientPublicKey, notBefore: Date, notAfter: Date) throws(PKIError) -> Certificate {
        guard notAfter <= certificate.notValidAfter else { throw .unsupported("a certificate valid after its CA (\(certificate.notValidAfter))") }
        return try Self.sign(
            key: key, issuer: certificate.subject, subject: subject, publicKey: publicKey.key, notBefore: notBefore, notAfter: notAfter,
            authorityKeyIdentifier: Self.keyIdentifier(of: certificate)
        ) {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
        }
    }

    private static func sign(
        key: P256.Signing.PrivateKey, issuer: DistinguishedName, subject: DistinguishedName, publicKey: Certificate.PublicKey,
        notBefore: Date, notAfter: Date, authorityKeyIdentifier: [UInt8],
        @ExtensionsBuilder extensions: () throws -> Result<Certificate.Extensions, any Error>
    ) throws(PKIError) -> Certificate {
        guard notBefore < notAfter else { throw .unsupported("a validity that ends before it starts") }
        // 20 random bytes, top bit clear: positive, at most 20 octets (RFC 5280 §4.1.2.2), never zero in practice.
        var serial = Array(SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Array($0) })
        serial[0] = serial[0] & 0x7F | 0x40
        do {
            var all = try extensions().get()
            try all.append(Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false))
            try all.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: ArraySlice(authorityKeyIdentifier)), critical: false))
            return try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: publicKey,
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: issuer, subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256, extensions: all, issuerPrivateKey: Certificate.PrivateKey(key))
        } catch {
            throw .unsupported("signing failed: \(error)")
        }
    }

    /// The issuer's own subject key identifier when its certificate has one (a CA made by an earlier
    /// version used RFC 7093's SHA-256 method), else RFC 5280's.
    static func keyIdentifier(of certificate: Certificate) -> [UInt8] {
        Array(((try? certificate.extensions.subjectKeyIdentifier) ?? nil)?.keyIdentifier ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier)
    }
}
