public import OpenKCMCore

extension Operations {
    /// The kill switch: removes the L1 link; the tenant locks at once (governance).
    public func unlinkL1(_ tenant: TenantID, caller: Caller) async throws -> L1LinkView {
        try await requireApproval(.unlinkL1(tenant), caller: caller)
        return try await perform(.l1Unlink, caller: caller, tenant: tenant, sync: true) { core in
            try await core.keyChain.unlinkL1(tenant)
            return TenantView(try await core.keyChain.tenantKeyRing(tenant)).l1
        }
    }
}
