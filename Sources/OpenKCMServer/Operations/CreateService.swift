public import OpenKCMCore

extension Operations {
    /// Creates a service's L3 under the tenant's current L2.1 version (governance).
    public func createService(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws -> ServiceView {
        try await perform(.serviceCreate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            // Leftovers of a service of that name destroyed before (records its keys no longer open).
            if try await !core.keyChain.services(of: tenant).contains(service) { try await purgeKMIPObjects(tenant: tenant, service: service) }
            return ServiceView(try await core.keyChain.createService(service, tenant: tenant))
        }
    }
}
