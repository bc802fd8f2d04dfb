public import OpenKCMCore

extension Operations {
    /// Adds an L3 version under the current L2.1 version and makes it current (governance).
    public func rotateServiceKey(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws -> ServiceView {
        try await perform(.serviceKeyRotate, caller: caller, tenant: tenant, service: service, sync: true) { core in
            try await core.keyChain.rotateServiceKey(service, tenant: tenant)
            return ServiceView(try await core.keyChain.serviceKeyRing(service, tenant: tenant))
        }
    }
}
