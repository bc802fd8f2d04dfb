public import OpenKCMCore

extension Operations {
    /// Creates a service's L3 under the tenant's current L2.1 version (governance).
    public func createService(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws -> ServiceView {
        try await perform(.serviceCreate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            ServiceView(try await core.keyChain.createService(service, tenant: tenant))
        }
    }
}
