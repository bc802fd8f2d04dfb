public import OpenKCMCore

extension Operations {
    /// A tenant's L1 link and L2.1 versions, no key material (governance).
    public func showTenant(_ tenant: TenantID, caller: Caller) async throws -> TenantView {
        try await perform(.tenantRead, caller: caller, tenant: tenant) { core in
            var view = TenantView(try await core.keyChain.tenantKeyRing(tenant))
            view.usage = self.core.usage.usage(tenant: tenant.rawValue)
            return view
        }
    }

    /// The tenant's L1 link (governance).
    public func showL1(_ tenant: TenantID, caller: Caller) async throws -> L1LinkView {
        try await perform(.l1Read, caller: caller, tenant: tenant) { core in
            TenantView(try await core.keyChain.tenantKeyRing(tenant)).l1
        }
    }
}
