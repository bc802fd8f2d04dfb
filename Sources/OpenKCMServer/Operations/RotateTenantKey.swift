public import OpenKCMCore

extension Operations {
    /// Adds an L2.1 version and makes it current (governance).
    public func rotateTenantKey(_ tenant: TenantID, caller: Caller) async throws -> TenantView {
        try await perform(.tenantKeyRotate, caller: caller, tenant: tenant, sync: true) { core in
            try await core.keyChain.rotateTenantKey(tenant)
            return TenantView(try await core.keyChain.tenantKeyRing(tenant))
        }
    }
}
