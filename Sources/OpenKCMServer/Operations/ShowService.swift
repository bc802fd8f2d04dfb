public import OpenKCMCore

extension Operations {
    /// A service's L3 versions, no key material (governance).
    public func showService(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws -> ServiceView {
        try await perform(.serviceRead, caller: caller, tenant: tenant, service: service) { core in
            ServiceView(try await core.keyChain.serviceKeyRing(service, tenant: tenant))
        }
    }
}
