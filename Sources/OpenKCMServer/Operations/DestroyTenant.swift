public import OpenKCMCore

extension Operations {
    /// Crypto-shreds a tenant: its L2, L2.1 and L3 are deleted (governance), then the records of its
    /// KMIP objects, which no longer open.
    public func destroyTenant(_ tenant: TenantID, caller: Caller) async throws {
        try await requireApproval(.destroyTenant(tenant), caller: caller)
        try await perform(.tenantDestroy, caller: caller, tenant: tenant, sync: true) { core in
            try await core.keyChain.destroyTenant(tenant)
            try await core.identities.revokeAll(tenant: tenant)
            try await purgeKMIPObjects(tenant: tenant)
        }
    }
}
