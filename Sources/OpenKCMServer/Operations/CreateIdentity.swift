public import OpenKCMCore

extension Operations {
    /// Creates an identity and returns its token, shown this once (root).
    public func createIdentity(
        name: String, role: Role, tenant: TenantID?, service: ServiceID?, certificateFingerprint: String? = nil, region: RegionID? = nil, caller: Caller
    ) async throws -> (identity: IdentityView, token: String) {
        try await perform(.identityCreate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            // A regional core's crypto identities (its gateways, its KMIP clients) are for its own region's services.
            if self.core.plane == .crypto, let tenant, let service { _ = try await core.keyChain.serviceKeyRing(service, tenant: tenant) }
            let (identity, token) = try await core.identities.create(
                name: name, role: role, tenant: tenant, service: service, certificateFingerprint: certificateFingerprint, region: region)
            return (IdentityView(identity), token)
        }
    }
}
