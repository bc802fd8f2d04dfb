import Crypto
import Foundation
import OpenKCMCore
import OpenKCMPKI
import X509

extension Operations {
    /// Trusts an external CA for KMIP client certificates. It must be a
    /// self-signed CA certificate (`basicConstraints` CA), still valid, and
    /// its subject must differ from every other CA the listener trusts, so the
    /// issuer of a client certificate names one CA.
    public func addTrustedKMIPCA(name: String, certificate pem: String, caller: Caller) async throws -> KMIPTrustedAuthority {
        try await perform(.kmipTrustedCAAdd, caller: caller, sync: true) { _ in
            guard !name.isEmpty, name.utf8.count <= 128 else { throw KMIPClientError.invalidInput("a name is 1 to 128 bytes") }
            let certificate = try Self.trustableCA(pem)
            return try await changingObject(KMIPTrustedAuthority.storagePrefix) {
                let snapshot = try await core.kmipClientTrust.reload(from: core.barrier)
                if snapshot.clientCAs.contains(where: { $0.subject == certificate.subject }) || snapshot.authorities.contains(where: { $0.certificate.subject == certificate.subject }) {
                    throw KMIPClientError.trustedAuthorityConflict("a CA named \(certificate.subject.rfc4514String) is already trusted")
                }
                let id = String(Array(SHA256.hash(data: certificate.derBytes)).hexString.prefix(32))
                guard try await core.barrier.get(KMIPTrustedAuthority.storageKey(id)) == nil else {
                    throw KMIPClientError.trustedAuthorityConflict("this CA is already trusted as \(id)")
                }
                let record = KMIPTrustedAuthority(
                    id: id, name: name, certificate: Data(certificate.derBytes), subject: certificate.subject.rfc4514String,
                    notAfter: certificate.notValidAfter, addedAt: Date())
                try await core.barrier.put(KMIPTrustedAuthority.storageKey(id), value: RecordCoder.encode(record))
                core.kmipClientTrust.signalChange()
                return record
            }
        }
    }

    /// A certificate the listener may trust for client certificates: a
    /// self-signed CA, unexpired. Client certificates may chain to it through
    /// intermediates the client presents.
    static func trustableCA(_ pem: String) throws -> Certificate {
        let certificate: Certificate
        do { certificate = try Certificate.parse(pemEncoded: pem) } catch { throw KMIPClientError.invalidInput("'certificate': \(error)") }
        guard certificate.isCertificateAuthority else { throw KMIPClientError.invalidInput("the certificate is not a CA (basicConstraints cA is not TRUE)") }
        guard certificate.isIssued(by: certificate) else {
            throw KMIPClientError.invalidInput("the certificate is not self-signed: trust the root CA (clients present the intermediates)")
        }
        guard certificate.notValidAfter > Date() else { throw KMIPClientError.invalidInput("the CA certificate expired on \(certificate.notValidAfter)") }
        return certificate
    }
}
