public import OpenKCMCore

/// Rotation policies at the governance plane: set once there, carried in
/// each region's snapshot, and applied by the region's core to the key
/// rings it holds (``applyRegionSnapshot(_:backoff:logger:)``). A regional
/// core refuses to set them itself (`plane.governed`), so every region
/// rotates a tenant's keys under the one policy.
extension Operations {
    /// Sets a tenant's policy (with `service`, that service's) at the governance plane; nil is the empty policy (inherit).
    public func governanceSetRotationPolicy(
        tenant: TenantID, service: ServiceID?, _ policy: RotationPolicy?, caller: Caller
    ) async throws -> GovernedRotationPolicyView {
        let policy = policy ?? RotationPolicy()
        guard let service else {
            return try await perform(.tenantKeyPolicy, caller: caller, tenant: tenant, key: Self.policyKey(policy), sync: true) { _ in
                let record = try await governance.setRotationPolicy(tenant, policy, change: caller.correlationID)
                return GovernedRotationPolicyView(tenant: tenant, service: nil, policy: record.rotationPolicy,
                                                  regions: try await governance.services(of: tenant).map(\.region))
            }
        }
        return try await perform(.serviceKeyPolicy, caller: caller, tenant: tenant, service: service, key: Self.policyKey(policy), sync: true) { _ in
            let record = try await governance.setRotationPolicy(service, tenant: tenant, policy, change: caller.correlationID)
            return GovernedRotationPolicyView(tenant: tenant, service: service, policy: record.rotationPolicy, regions: [record.region])
        }
    }

    /// The policy the governance plane holds for a tenant (or a service).
    public func governanceRotationPolicy(tenant: TenantID, service: ServiceID?, caller: Caller) async throws -> GovernedRotationPolicyView {
        try await perform(service == nil ? .tenantRead : .serviceRead, caller: caller, tenant: tenant, service: service) { _ in
            guard let service else {
                let record = try await governance.tenant(tenant)
                return GovernedRotationPolicyView(tenant: tenant, service: nil, policy: record.rotationPolicy,
                                                  regions: try await governance.services(of: tenant).map(\.region))
            }
            let record = try await governance.service(service, tenant: tenant)
            return GovernedRotationPolicyView(tenant: tenant, service: service, policy: record.rotationPolicy, regions: [record.region])
        }
    }
}
