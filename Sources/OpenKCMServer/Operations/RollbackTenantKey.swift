public import OpenKCMCore

extension Operations {
    /// Makes an earlier L2.1 version current again (governance).
    public func rollbackTenantKey(_ tenant: TenantID, to version: UInt32, caller: Caller) async throws -> TenantView {
        try await perform(.tenantKeyRollback, caller: caller, tenant: tenant, key: "L2.1 v\(version)", sync: true) { core in
            try await core.keyChain.rollbackTenantKey(tenant, to: version)
            return TenantView(try await core.keyChain.tenantKeyRing(tenant))
        }
    }
}
