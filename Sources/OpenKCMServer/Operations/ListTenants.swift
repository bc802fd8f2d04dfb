import OpenKCMCore

extension Operations {
    /// Every tenant id (governance).
    public func listTenants(caller: Caller) async throws -> [String] {
        try await perform(.tenantList, caller: caller) { core in
            try await core.keyChain.tenants().map(\.rawValue)
        }
    }
}
