public import OpenKCMCore

extension Operations {
    /// How long a person's token works when its creator says nothing: 24 hours, renewable.
    public static let peopleLifetime = Duration.seconds(86_400)
    /// How long a service's token (a crypto identity's) works when its creator says nothing:
    /// 90 days, renewed by the gateway (and the SDK's ``RESTDataKeySource/renewToken()``) before it ends.
    public static let serviceLifetime = Duration.seconds(90 * 86_400)

    /// Creates an identity and returns its token, shown this once (root).
    public func createIdentity(
        name: String, role: Role, tenant: TenantID?, service: ServiceID?, certificateFingerprint: String? = nil, region: RegionID? = nil,
        lifetimeSeconds: Int? = nil, caller: Caller
    ) async throws -> (identity: IdentityView, token: String) {
        try await perform(.identityCreate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            // A regional core's crypto identities (its gateways, its KMIP clients) are for its own region's services.
            if self.core.plane == .crypto, let tenant, let service { _ = try await core.keyChain.serviceKeyRing(service, tenant: tenant) }
            // People's tokens end after 24 h unless said otherwise, services' tokens after 90 days (gateways renew theirs);
            // never only when said (`--ttl none`). An identity a certificate signs in (a KMIP client's, a regional core's)
            // lives as long as its certificate and its registration.
            let lifetime: Duration? = switch lifetimeSeconds {
            case 0?: nil
            case let seconds?: .seconds(seconds)
            case nil where [.root, .governance, .auditor].contains(role): Self.peopleLifetime
            case nil where role == .crypto && certificateFingerprint == nil: Self.serviceLifetime
            case nil: nil
            }
            let (identity, token) = try await core.identities.create(
                name: name, role: role, tenant: tenant, service: service, certificateFingerprint: certificateFingerprint, region: region,
                lifetime: lifetime, createdBy: caller.identity?.id)
            return (IdentityView(identity), token)
        }
    }
}
