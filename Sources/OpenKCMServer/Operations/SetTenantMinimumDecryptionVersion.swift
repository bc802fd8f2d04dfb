public import OpenKCMCore

extension Operations {
    /// Refuses every L2.1 version below `version`, and all beneath them (governance).
    public func setTenantMinimumDecryptionVersion(_ tenant: TenantID, _ version: UInt32, caller: Caller) async throws -> TenantView {
        try await perform(.tenantKeyMinimumVersion, caller: caller, tenant: tenant, key: "L2.1 v\(version)", sync: true) { core in
            try await core.keyChain.setTenantMinimumDecryptionVersion(tenant, version)
            return TenantView(try await core.keyChain.tenantKeyRing(tenant))
        }
    }
}
