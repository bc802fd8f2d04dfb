import Crypto
public import Foundation

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
        let publicKey = SubjectPublicKey(key.publicKey)
        let certificate = try Self.sign(
            key: key, issuer: subject, subject: subject, publicKey: publicKey, notBefore: notBefore, notAfter: notAfter,
            authorityKeyIdentifier: publicKey.keyIdentifier
        ) { extensions in
            Self.extensionField(&extensions, .basicConstraints, critical: true) { value in
                value.sequence { $0.boolean(true); $0.integer(0) }
            }
            Self.extensionField(&extensions, .keyUsage, critical: true) { $0.namedBits([5, 6]) }
        }
        return CertificateAuthority(key: key, certificate: certificate)
    }

    /// A CA read back from storage; the key must be the one the certificate names.
    public init(privateKeyRawRepresentation raw: Data, certificate: Certificate) throws(PKIError) {
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: raw) else { throw .malformed("the CA's private key") }
        guard SubjectPublicKey(key.publicKey) == certificate.publicKey, certificate.isCertificateAuthority else {
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
    public func issueClientCertificate(subject: DistinguishedName, publicKey: SubjectPublicKey, notBefore: Date, notAfter: Date) throws(PKIError) -> Certificate {
        guard notAfter <= certificate.notAfter else { throw .unsupported("a certificate valid after its CA (\(certificate.notAfter))") }
        return try Self.sign(
            key: key, issuer: certificate.subject, subject: subject, publicKey: publicKey, notBefore: notBefore, notAfter: notAfter,
            authorityKeyIdentifier: certificate.publicKey.keyIdentifier
        ) { extensions in
            Self.extensionField(&extensions, .basicConstraints, critical: true) { value in value.sequence { _ in } }
            Self.extensionField(&extensions, .keyUsage, critical: true) { $0.namedBits([0]) }
            Self.extensionField(&extensions, .extendedKeyUsage, critical: false) { value in
                value.sequence { $0.objectIdentifier(.clientAuthentication) }
            }
        }
    }

    private static func sign(
        key: P256.Signing.PrivateKey, issuer: DistinguishedName, subject: DistinguishedName, publicKey: SubjectPublicKey,
        notBefore: Date, notAfter: Date, authorityKeyIdentifier: [UInt8], extensions: (inout DERWriter) -> Void
    ) throws(PKIError) -> Certificate {
        guard notBefore < notAfter else { throw .unsupported("a validity that ends before it starts") }
        // 20 random bytes, top bit clear: positive, at most 20 octets (RFC 5280 §4.1.2.2), never zero in practice.
        var serial = Array(SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Array($0) })
        serial[0] = serial[0] & 0x7F | 0x40
        var tbs = DERWriter()
        tbs.sequence { fields in
            fields.constructed(DERTag.explicit(0)) { $0.integer(2) }
            fields.unsignedInteger(serial)
            fields.sequence { $0.objectIdentifier(.ecdsaWithSHA256) }
            issuer.write(to: &fields)
            fields.sequence { validity in
                validity.time(notBefore)
                validity.time(notAfter)
            }
            subject.write(to: &fields)
            fields.appendEncoded(publicKey.derEncoded)
            fields.constructed(DERTag.explicit(3)) { wrapper in
                wrapper.sequence { list in
                    extensions(&list)
                    extensionField(&list, .subjectKeyIdentifier, critical: false) { $0.octetString(publicKey.keyIdentifier) }
                    extensionField(&list, .authorityKeyIdentifier, critical: false) { value in
                        value.sequence { $0.append(DERTag.implicitPrimitive(0), authorityKeyIdentifier) }
                    }
                }
            }
        }
        guard let signature = try? key.signature(for: tbs.bytes) else { throw .unsupported("signing failed") }
        var certificate = DERWriter()
        certificate.sequence { outer in
            outer.appendEncoded(tbs.bytes)
            outer.sequence { $0.objectIdentifier(.ecdsaWithSHA256) }
            outer.bitString(signature.derRepresentation)
        }
        return try Certificate(derEncoded: certificate.bytes)
    }

    private static func extensionField(_ list: inout DERWriter, _ identifier: ASN1ObjectID, critical: Bool, _ value: (inout DERWriter) -> Void) {
        list.sequence { field in
            field.objectIdentifier(identifier)
            if critical { field.boolean(true) }
            var inner = DERWriter()
            value(&inner)
            field.octetString(inner.bytes)
        }
    }
}
