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

    /// How this connection's certificate was recognised the last time, so
    /// later messages skip the lookup that missed and the signature check.
    private enum Recognition: Sendable {
        case unknown
        case byFingerprint
        /// The trusted CA's id and the subject as RFC 4514 text, and the CA certificate that signed it
        /// (a renewal can drop that certificate while the id stays).
        case bySubject(CertificateSubject, issuer: [UInt8])
    }

    private var recognition = Recognition.unknown

    /// The live identity this certificate is: by fingerprint first, else by
    /// subject at the trusted CA that signed it (checked again here by its
    /// signature, whatever chain TLS built). Nil when it is neither. Every
    /// message asks again (identities are cached 5 s by the directory), so a
    /// revocation or an untrusted CA takes effect on the next message.
    mutating func identity(in identities: IdentityDirectory, trust: KMIPClientTrust.Snapshot) async -> Identity? {
        switch recognition {
        case .byFingerprint:
            return try? await identities.authenticate(certificateFingerprint: fingerprint)
        case .bySubject(let subject, let issuer):
            guard let authority = trust.authorities.first(where: { $0.record.id == subject.authority }),
                  authority.certificate.derEncoded == issuer else { return nil }
            return try? await identities.authenticate(certificateSubject: subject)
        case .unknown:
            if let identity = try? await identities.authenticate(certificateFingerprint: fingerprint) {
                recognition = .byFingerprint
                return identity
            }
            guard let parsed, let authority = trust.authority(issuing: parsed) else { return nil }
            let issuer = authority.certificate
            let subject = CertificateSubject(authority: authority.record.id, subject: parsed.subject.description)
            guard let identity = try? await identities.authenticate(certificateSubject: subject) else { return nil }
            recognition = .bySubject(subject, issuer: issuer.derEncoded)
            return identity
        }
    }
}
