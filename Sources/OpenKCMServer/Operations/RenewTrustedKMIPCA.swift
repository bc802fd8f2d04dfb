import Foundation
import OpenKCMCore
import OpenKCMPKI

extension Operations {
    /// Replaces a trusted CA's certificate with its renewal (same subject,
    /// typically a new key), keeping its id and so every subject mapped at
    /// it. The replaced certificate stays trusted beside the new one until the
    /// next renewal, so clients can move to certificates from the new one at
    /// their own pace.
    public func renewTrustedKMIPCA(_ id: String, certificate pem: String, caller: Caller) async throws -> KMIPTrustedAuthority {
        try await perform(.kmipTrustedCARenew, caller: caller, key: id, sync: true) { _ in
            let certificate = try Self.trustableCA(pem)
            return try await core.objectLocks.withLock(KMIPTrustedAuthority.storagePrefix) {
                let key = KMIPTrustedAuthority.storageKey(id)
                guard KMIPTrustedAuthority.isIdentifier(id), let data = try await core.barrier.get(key) else {
                    throw KMIPClientError.trustedAuthorityNotFound(id)
                }
                let current = try RecordCoder.decode(KMIPTrustedAuthority.self, from: data, at: key)
                guard certificate.subject.description == current.subject else {
                    throw KMIPClientError.invalidInput("a renewal has the same subject (\(current.subject)); this one is \(certificate.subject)")
                }
                guard Data(certificate.derEncoded) != current.certificate else {
                    throw KMIPClientError.trustedAuthorityConflict("this is the certificate already trusted as \(id)")
                }
                var renewed = KMIPTrustedAuthority(
                    id: id, name: current.name, certificate: Data(certificate.derEncoded), subject: current.subject,
                    notAfter: certificate.notAfter, addedAt: current.addedAt)
                renewed.previousCertificate = current.certificate
                try await core.barrier.put(key, value: RecordCoder.encode(renewed))
                try await core.kmipClientTrust.reload(from: core.barrier)
                core.kmipClientTrust.signalChange()
                return renewed
            }
        }
    }
}
