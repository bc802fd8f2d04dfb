public import OpenKCMCore
import OpenKCMPKI
import X509

extension Operations {
    /// Registers a KMIP client by the subject of its certificate from a
    /// trusted external CA: any certificate that CA issues for exactly this
    /// subject is a crypto identity for (tenant, service).
    public func mapKMIPClientSubject(
        name: String, tenant: TenantID, service: ServiceID, authority: String, subject: String, caller: Caller
    ) async throws -> IdentityView {
        try await perform(.kmipClientMap, caller: caller, tenant: tenant, service: service, key: authority, sync: true) { unsealed in
            let canonical: String
            do { canonical = try DistinguishedName(rfc4514: subject).rfc4514String } catch { throw KMIPClientError.invalidInput("'subject': \(error)") }
            guard KMIPTrustedAuthority.isIdentifier(authority), try await core.barrier.get(KMIPTrustedAuthority.storageKey(authority)) != nil else {
                throw KMIPClientError.trustedAuthorityNotFound(authority)
            }
            guard try await unsealed.keyChain.services(of: tenant).contains(service) else { throw KeyChainError.serviceNotFound(tenant, service) }
            let (identity, _) = try await unsealed.identities.create(
                name: name, role: .crypto, tenant: tenant, service: service,
                certificateSubject: CertificateSubject(authority: authority, subject: canonical))
            return IdentityView(identity)
        }
    }
}
