public import OpenKCMCore

extension Operations {
    /// Marks an L2.1 version compromised (governance): rotated away from if
    /// current, every L3 version it wraps moved to the current one, then never
    /// used again. The audit entry names the version; the answer counts the L3 versions moved. L3 versions
    /// that cannot be opened now would be lost with it: refused (409) unless `force`.
    public func compromiseTenantKey(_ tenant: TenantID, version: UInt32, force: Bool = false, caller: Caller) async throws -> TenantKeyCompromiseView {
        let result = try await perform(.tenantKeyCompromise, caller: caller, tenant: tenant, key: "L2.1 v\(version)", sync: true) { core in
            try await core.keyChain.compromiseTenantKey(tenant, version: version, force: force)
        }
        // What moved, in its own entry: the count an auditor checks against the services' versions.
        await auditFollowUp("tenant-key.rewrap", caller: caller, tenant: tenant,
                                 key: "from L2.1 v\(version): \(result.rewrappedServiceKeys) L3 versions rewrapped, \(result.skippedServiceKeys) skipped")
        return TenantKeyCompromiseView(compromise: result, tenant: TenantView(try await core.unsealed().keyChain.tenantKeyRing(tenant)))
    }

    private func auditFollowUp(_ operation: String, caller: Caller, tenant: TenantID, key: String) async {
        try? await core.auditLog.append(auditEntry(operation, caller: caller, tenant: tenant, service: nil, key: key, error: nil), sync: true)
    }
}
