public import OpenKCMCore

extension Operations {
    /// Links the tenant to an L1 again, or to a new one (rewrapping the L2) (governance).
    public func linkL1(_ tenant: TenantID, to l1: KeystoreReference, caller: Caller) async throws -> L1LinkView {
        try await requireApproval(.linkL1(tenant, l1), caller: caller)
        return try await perform(.l1Link, caller: caller, tenant: tenant, key: l1.description, sync: true) { core in
            try self.core.checkL1Link(l1, tenant: tenant)
            try await core.keyChain.linkL1(tenant, to: l1)
            return TenantView(try await core.keyChain.tenantKeyRing(tenant)).l1
        }
    }
}
