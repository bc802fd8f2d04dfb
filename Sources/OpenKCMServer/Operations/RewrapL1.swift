public import OpenKCMCore

extension Operations {
    /// Wraps the tenant's L2 again under its L1, after the customer rotated the
    /// L1 at the provider; nothing below the L2 changes (governance).
    public func rewrapL1(_ tenant: TenantID, caller: Caller) async throws -> L1LinkView {
        try await perform(.l1Rewrap, caller: caller, tenant: tenant, sync: true) { core in
            try await core.keyChain.rewrapRoot(tenant)
            return TenantView(try await core.keyChain.tenantKeyRing(tenant)).l1
        }
    }
}
