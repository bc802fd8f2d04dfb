public import OpenKCMCore

extension Operations {
    /// Crypto-shreds a service's L3 versions (governance).
    public func destroyService(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws {
        try await requireApproval(.destroyService(tenant, service), caller: caller)
        try await perform(.serviceDestroy, caller: caller, tenant: tenant, service: service, sync: true) { core in
            try await core.keyChain.destroyService(service, tenant: tenant)
            try await core.identities.revokeAll(tenant: tenant, service: service)
            try await purgeKMIPObjects(tenant: tenant, service: service)
        }
    }
}
