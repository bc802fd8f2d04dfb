public import OpenKCMCore

extension Operations {
    /// How long a person's token works when its creator says nothing: 24 hours, renewable.
    public static let peopleLifetime = Duration.seconds(86_400)

    /// Creates an identity and returns its token, shown this once (root).
    public func createIdentity(
        name: String, role: Role, tenant: TenantID?, service: ServiceID?, certificateFingerprint: String? = nil, region: RegionID? = nil,
        lifetimeSeconds: Int? = nil, caller: Caller
    ) async throws -> (identity: IdentityView, token: String) {
        try await perform(.identityCreate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            // A regional core's crypto identities (its gateways, its KMIP clients) are for its own region's services.
            if self.core.plane == .crypto, let tenant, let service { _ = try await core.keyChain.serviceKeyRing(service, tenant: tenant) }
            // People's tokens end (24 h unless said otherwise); services' only when said, until gateways and the SDK renew by themselves.
            let lifetime: Duration? = switch lifetimeSeconds {
            case 0?: nil
            case let seconds?: .seconds(seconds)
            case nil: [.root, .governance, .auditor].contains(role) ? Self.peopleLifetime : nil
            }
            let (identity, token) = try await core.identities.create(
                name: name, role: role, tenant: tenant, service: service, certificateFingerprint: certificateFingerprint, region: region,
                lifetime: lifetime, createdBy: caller.identity?.id)
            return (IdentityView(identity), token)
        }
    }
}
