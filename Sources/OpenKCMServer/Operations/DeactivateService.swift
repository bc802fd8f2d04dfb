public import OpenKCMCore

extension Operations {
    /// Retires a service: its L4s still unwrap, nothing new is wrapped (governance).
    public func deactivateService(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws -> ServiceView {
        try await perform(.serviceDeactivate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            try await core.keyChain.deactivateService(service, tenant: tenant)
            return ServiceView(try await core.keyChain.serviceKeyRing(service, tenant: tenant))
        }
    }
}
