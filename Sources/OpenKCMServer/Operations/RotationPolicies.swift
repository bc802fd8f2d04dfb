public import OpenKCMCore

extension Operations {
    /// Sets (or, with nil, clears) a tenant's rotation policy for its L2.1, inherited by its services (governance).
    public func setTenantRotationPolicy(_ tenant: TenantID, _ policy: RotationPolicy?, caller: Caller) async throws -> RotationPolicyView {
        try await perform(.tenantKeyPolicy, caller: caller, tenant: tenant, key: Self.policyKey(policy), sync: true) { core in
            try await core.keyChain.setTenantRotationPolicy(tenant, policy)
            return try await self.rotationView(core.keyChain, tenant: tenant, service: nil)
        }
    }

    /// Sets (or clears) a service's own rotation policy for its L3 (governance).
    public func setServiceRotationPolicy(
        _ service: ServiceID, tenant: TenantID, _ policy: RotationPolicy?, caller: Caller
    ) async throws -> RotationPolicyView {
        try await perform(.serviceKeyPolicy, caller: caller, tenant: tenant, service: service, key: Self.policyKey(policy), sync: true) { core in
            try await core.keyChain.setServiceRotationPolicy(service, tenant: tenant, policy)
            return try await self.rotationView(core.keyChain, tenant: tenant, service: service)
        }
    }

    /// A tenant's (or, with `service`, a service's) policy, the period that applies, and when its key is due.
    public func rotationPolicy(tenant: TenantID, service: ServiceID?, caller: Caller) async throws -> RotationPolicyView {
        try await perform(service == nil ? .tenantRead : .serviceRead, caller: caller, tenant: tenant, service: service) { core in
            try await self.rotationView(core.keyChain, tenant: tenant, service: service)
        }
    }

    /// Replaces the tenant's L2 with a new one (governance): wrapped through the L1, every L2.1 version wrapped again under it.
    public func rotateRoot(_ tenant: TenantID, caller: Caller) async throws -> RotationPolicyView {
        try await perform(.tenantRootRotate, caller: caller, tenant: tenant, key: "L2", sync: true) { core in
            try await core.keyChain.rotateRoot(tenant)
            return try await self.rotationView(core.keyChain, tenant: tenant, service: nil)
        }
    }

    /// What the audit entry of a policy change says: `period 2592000 s`, or `inherit`.
    static func policyKey(_ policy: RotationPolicy?) -> String {
        let parts = [policy?.periodSeconds.map { "period \($0) s" }, policy?.rootPeriodSeconds.map { "L2 period \($0) s" },
                     policy?.decryptOnlySeconds.map { "decrypt-only \($0) s" }, policy?.maximumWraps.map { "at most \($0) wraps" }].compactMap { $0 }
        return parts.isEmpty ? "inherit" : parts.joined(separator: ", ")
    }

    func rotationView(_ keyChain: KeyChain, tenant: TenantID, service: ServiceID?) async throws -> RotationPolicyView {
        let tenantRing = try await keyChain.tenantKeyRing(tenant)
        let defaults = core.rotationDefaults
        guard let service else {
            let (dueAt, seconds, source) = keyChain.tenantKeyDue(tenantRing, defaults: defaults)
            var view = RotationPolicyView(tenant: tenant.rawValue, service: nil, policy: tenantRing.rotationPolicy ?? RotationPolicy(),
                                          periodSeconds: seconds, source: source, ring: tenantRing.tenantKeys, dueAt: dueAt)
            let root = keyChain.rootDue(tenantRing, defaults: defaults)
            view.rootVersion = tenantRing.rootVersion
            view.rootPeriodSeconds = root?.periodSeconds
            view.rootSource = root?.source
            view.rootDueAt = root?.dueAt
            (view.decryptOnlySeconds, view.decryptOnlySource) = defaults.decryptOnly(tenantRing.rotationPolicy)
            view.maximumWraps = tenantRing.rotationPolicy?.maximumWraps
            return view
        }
        let ring = try await keyChain.serviceKeyRing(service, tenant: tenant)
        let (dueAt, seconds, source) = keyChain.serviceKeyDue(ring, tenant: tenantRing, defaults: defaults)
        var view = RotationPolicyView(tenant: tenant.rawValue, service: service.rawValue, policy: ring.rotationPolicy ?? RotationPolicy(),
                                      periodSeconds: seconds, source: source, ring: ring.serviceKeys, dueAt: dueAt)
        view.maximumWraps = ring.rotationPolicy?.maximumWraps ?? tenantRing.rotationPolicy?.maximumWraps
        return view
    }
}
