/// Compromise (NIST SP 800-57's compromised state): a suspect key stops
/// protecting anything at once, and what depends on it moves away from it
/// before it is marked, so no data is lost with it.
extension KeyChain {
    /// Marks L2.1 `version` compromised, in one transaction: if it is current,
    /// a new version is made current first; every L3 version it wraps is
    /// wrapped again by the current version (counted); then it is marked
    /// Compromised, so it never wraps or unwraps again. The L3 keys themselves
    /// are unchanged, so every L4 they wrapped still opens.
    /// L3 versions that cannot be opened now would be left under it for good:
    /// refused (``KeyChainError/compromiseStrandsKeys(version:count:)``) unless `force`.
    public func compromiseTenantKey(_ tenant: TenantID, version: UInt32, force: Bool = false) async throws -> TenantKeyCompromise {
        try await tenantTransaction(tenant) {
            let before = try await readTenant(tenant)
            try refuseIfLocked(before)
            guard let entry = before.tenantKeys.version(version) else { throw KeyChainError.versionNotFound(layer: .l2_1, version: version) }
            guard entry.state.canTransition(to: .compromised) else {
                throw KeyChainError.invalidStateTransition(layer: .l2_1, version: version, from: entry.state, to: .compromised)
            }
            // Checked before anything changes: a refusal leaves the version as it was.
            let stranded = try await unopenableServiceKeys(tenant, under: version)
            if stranded > 0 && !force { throw KeyChainError.compromiseStrandsKeys(version: version, count: stranded) }
            let rotatedTo = before.tenantKeys.currentVersion == version ? try await rotateTenantKeyLocked(tenant) : nil
            let (rewrapped, skipped) = try await rewrapServiceKeysLocked(tenant, under: version)
            var ring = try await readTenant(tenant)
            try ring.tenantKeys.transition(version, to: .compromised)
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            try reflect(ring)
            return TenantKeyCompromise(version: version, rotatedTo: rotatedTo, rewrappedServiceKeys: rewrapped, skippedServiceKeys: skipped)
        }
    }

    /// L3 versions wrapped by L2.1 `version` that cannot be opened now. Call inside the tenant's transaction.
    func unopenableServiceKeys(_ tenant: TenantID, under version: UInt32) async throws -> Int {
        let unsealed = try await unsealTenantLocked(tenant)
        var count = 0
        for key in try await storage.list(prefix: ServiceKeyRing.storagePrefix(tenant)) {
            let ring = try await readRecord(ServiceKeyRing.self, at: key)
            let loaded = UnsealedService(ring: ring, tenant: unsealed)
            for entry in ring.serviceKeys.versions where entry.wrapped != nil && entry.parentVersion == version {
                if (try? loaded.unwrappingKey(entry.version)) == nil { count += 1 }
            }
        }
        return count
    }
}
