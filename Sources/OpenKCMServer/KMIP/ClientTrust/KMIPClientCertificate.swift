import Crypto
import Foundation
import NIOSSL
import OpenKCMCore
import OpenKCMPKI

/// A KMIP connection's verified client certificate, read once per
/// connection: its fingerprint, and its parsed form for subject mapping.
struct KMIPClientCertificate: Sendable {
    /// SHA-256 of the DER, hex: how clients registered by certificate are found.
    let fingerprint: String
    /// Nil when the certificate is outside what OpenKCMPKI reads; such a client can still be registered by fingerprint.
    let parsed: Certificate?
    /// The trusted CA found to have signed it, by id.
    private var issuer: String?

    init?(_ certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes() else { return nil }
        fingerprint = Array(SHA256.hash(data: der)).hexString
        parsed = try? Certificate(derEncoded: der)
    }

    /// The fingerprint of the one certificate in `pem`, or nil when it is not one.
    static func fingerprint(pem: String) -> String? {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)), certificates.count == 1 else { return nil }
        return KMIPClientCertificate(certificates[0])?.fingerprint
    }

    /// The live identity this certificate is: by fingerprint first, else by
    /// subject at the trusted CA that signed it (checked again here by its
    /// signature, whatever chain TLS built). Nil when it is neither.
    /// The signature is checked once per connection; later messages only
    /// check that the CA is still trusted.
    mutating func identity(in identities: IdentityDirectory, trust: KMIPClientTrust.Snapshot) async -> Identity? {
        if let identity = try? await identities.authenticate(certificateFingerprint: fingerprint) { return identity }
        guard let parsed else { return nil }
        if let issuer, !trust.authorities.contains(where: { $0.record.id == issuer }) { self.issuer = nil }
        if issuer == nil { issuer = trust.authority(issuing: parsed)?.record.id }
        guard let issuer else { return nil }
        return try? await identities.authenticate(certificateSubject: CertificateSubject(authority: issuer, subject: parsed.subject.description))
    }
}
