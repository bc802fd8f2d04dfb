public import OpenKCMCore

extension Operations {
    /// Every service of a tenant (governance).
    public func listServices(tenant: TenantID, caller: Caller) async throws -> [String] {
        try await perform(.serviceList, caller: caller, tenant: tenant) { core in
            _ = try await core.keyChain.tenantKeyRing(tenant)
            return try await core.keyChain.services(of: tenant).map(\.rawValue)
        }
    }
}
