import Foundation
import OpenKCMCore
import OpenKCMPKI
import X509

extension Operations {
    /// Replaces a trusted CA's certificate with its renewal (same subject,
    /// typically a new key), keeping its id and so every subject mapped at
    /// it. The replaced certificate stops being trusted at once: TLS picks a
    /// client certificate's issuer by name, so two roots with one name cannot
    /// be trusted side by side. Connections the old root admitted are refused
    /// from their next message; renew when the clients hold certificates from
    /// the new root.
    public func renewTrustedKMIPCA(_ id: String, certificate pem: String, caller: Caller) async throws -> KMIPTrustedAuthority {
        try await perform(.kmipTrustedCARenew, caller: caller, key: id, sync: true) { _ in
            let certificate = try Self.trustableCA(pem)
            return try await changingObject(KMIPTrustedAuthority.storagePrefix) {
                let key = KMIPTrustedAuthority.storageKey(id)
                guard KMIPTrustedAuthority.isIdentifier(id), let data = try await core.barrier.get(key) else {
                    throw KMIPClientError.trustedAuthorityNotFound(id)
                }
                let current = try RecordCoder.decode(KMIPTrustedAuthority.self, from: data, at: key)
                guard certificate.subject.rfc4514String == current.subject else {
                    throw KMIPClientError.invalidInput("a renewal has the same subject (\(current.subject)); this one is \(certificate.subject.rfc4514String)")
                }
                guard Data(certificate.derBytes) != current.certificate else {
                    throw KMIPClientError.trustedAuthorityConflict("this is the certificate already trusted as \(id)")
                }
                let renewed = KMIPTrustedAuthority(
                    id: id, name: current.name, certificate: Data(certificate.derBytes), subject: current.subject,
                    notAfter: certificate.notValidAfter, addedAt: current.addedAt)
                try await core.barrier.put(key, value: RecordCoder.encode(renewed))
                try await core.kmipClientTrust.reload(from: core.barrier)
                core.kmipClientTrust.signalChange()
                return renewed
            }
        }
    }
}
