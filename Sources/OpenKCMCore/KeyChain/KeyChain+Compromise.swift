/// Compromise (NIST SP 800-57's compromised state): a suspect key stops
/// protecting anything at once, and what depends on it moves away from it
/// before it is marked, so no data is lost with it.
extension KeyChain {
    /// Marks L2.1 `version` compromised, in one transaction: if it is current,
    /// a new version is made current first; every L3 version it wraps is
    /// wrapped again by the current version (counted); then it is marked
    /// Compromised, so it never wraps or unwraps again. The L3 keys themselves
    /// are unchanged, so every L4 they wrapped still opens.
    public func compromiseTenantKey(_ tenant: TenantID, version: UInt32) async throws -> TenantKeyCompromise {
        try await tenantTransaction(tenant) {
            let before = try await readTenant(tenant)
            try refuseIfLocked(before)
            guard let entry = before.tenantKeys.version(version) else { throw KeyChainError.versionNotFound(layer: .l2_1, version: version) }
            guard entry.state.canTransition(to: .compromised) else {
                throw KeyChainError.invalidStateTransition(layer: .l2_1, version: version, from: entry.state, to: .compromised)
            }
            let rotatedTo = before.tenantKeys.currentVersion == version ? try await rotateTenantKeyLocked(tenant) : nil
            let (rewrapped, skipped) = try await rewrapServiceKeysLocked(tenant, under: version)
            var ring = try await readTenant(tenant)
            try ring.tenantKeys.transition(version, to: .compromised)
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            try reflect(ring)
            return TenantKeyCompromise(version: version, rotatedTo: rotatedTo, rewrappedServiceKeys: rewrapped, skippedServiceKeys: skipped)
        }
    }
}
