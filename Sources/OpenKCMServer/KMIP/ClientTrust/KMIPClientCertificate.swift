import Crypto
import Foundation
import NIOSSL
import OpenKCMCore
import OpenKCMPKI
import X509

/// A KMIP connection's verified client certificate, read once per
/// connection: its fingerprint, its parsed form and the CA its chain was
/// verified to, for subject mapping.
struct KMIPClientCertificate: Sendable {
    /// SHA-256 of the DER, hex: how clients registered by certificate are found.
    let fingerprint: String
    /// Nil when the certificate is outside what OpenKCMPKI reads; such a client can still be registered by fingerprint.
    let parsed: Certificate?
    /// The CA the verified chain ends at.
    let anchor: Certificate?

    /// The verified chain: the client's certificate first, the anchor last.
    init?(_ chain: NIOSSL.ValidatedCertificateChain) {
        guard let leaf = chain.first, let der = try? leaf.toDERBytes() else { return nil }
        fingerprint = Array(SHA256.hash(data: der)).hexString
        parsed = try? Certificate.parse(derEncoded: der)
        anchor = chain.count > 1 ? (try? chain[chain.count - 1].toDERBytes()).flatMap { try? Certificate.parseAnchor(derEncoded: $0) } : nil
    }

    /// The fingerprint of the one certificate in `pem`, or nil when it is not one.
    static func fingerprint(pem: String) -> String? {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)), certificates.count == 1,
              let der = try? certificates[0].toDERBytes() else { return nil }
        return Array(SHA256.hash(data: der)).hexString
    }

    /// How this connection's certificate was recognised the last time, so
    /// later messages skip the lookup that missed and the signature check.
    private enum Recognition: Sendable {
        case unknown
        case byFingerprint
        /// The trusted CA's id and the subject as RFC 4514 text, and the CA certificate the chain ended at
        /// (a renewal can drop that certificate while the id stays).
        case bySubject(CertificateSubject, anchor: Certificate)
    }

    private var recognition = Recognition.unknown

    /// The live identity this certificate is: by fingerprint first, else by
    /// subject at the trusted CA its verified chain ends at. Nil when it is neither. Every
    /// message asks again (identities are cached 5 s by the directory), so a
    /// revocation or an untrusted CA takes effect on the next message.
    mutating func identity(in identities: IdentityDirectory, trust: KMIPClientTrust.Snapshot) async -> Identity? {
        switch recognition {
        case .byFingerprint:
            return try? await identities.authenticate(certificateFingerprint: fingerprint)
        case .bySubject(let subject, let anchor):
            guard let authority = trust.authorities.first(where: { $0.record.id == subject.authority }),
                  authority.certificate == anchor else { return nil }
            return try? await identities.authenticate(certificateSubject: subject)
        case .unknown:
            if let identity = try? await identities.authenticate(certificateFingerprint: fingerprint) {
                recognition = .byFingerprint
                return identity
            }
            guard let parsed, let anchor, let authority = trust.authority(anchoring: anchor) else { return nil }
            let subject = CertificateSubject(authority: authority.record.id, subject: parsed.subject.rfc4514String)
            guard let identity = try? await identities.authenticate(certificateSubject: subject) else { return nil }
            recognition = .bySubject(subject, anchor: anchor)
            return identity
        }
    }
}
