/// Compromise of an L3 version. Unlike an L2.1 version, whose dependents
/// (L3 versions) are in the store and are moved in the same transaction,
/// an L3 version's dependents are the data keys (L4) applications keep
/// beside their data: the server cannot move them itself. So the version
/// stops wrapping at once but still opens what it wrapped (unwrap only),
/// applications rewrap their stored data keys under the current version
/// (REST, the data-key channel, the SDK, a background rewrap job), and the
/// operator closes it once nothing depends on it. (The server moves the
/// service's KMIP objects itself: it keeps their L4s.)
extension KeyChain {
    /// Marks L3 `version` Compromised, in one transaction: a new version is
    /// made current first if it was current; it then never wraps again and
    /// stays unwrap-only until ``closeServiceKey(_:tenant:version:)``.
    public func compromiseServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32) async throws -> ServiceKeyCompromise {
        try await tenantTransaction(tenant) {
            try refuseIfLocked(try await readTenant(tenant))
            let before = try await readService(tenant, service)
            guard let entry = before.serviceKeys.version(version) else { throw KeyChainError.versionNotFound(layer: .l3, version: version) }
            guard entry.state.canTransition(to: .compromised) else {
                throw KeyChainError.invalidStateTransition(layer: .l3, version: version, from: entry.state, to: .compromised)
            }
            let rotatedTo = before.serviceKeys.currentVersion == version ? try await rotateServiceKeyLocked(service, tenant: tenant) : nil
            var ring = try await readService(tenant, service)
            let stillOpens = (try? ring.serviceKeys.checkUnwrap(version)) != nil
            try ring.serviceKeys.compromise(version, stillOpening: stillOpens)
            try await storage.put(ServiceKeyRing.storageKey(tenant, service), value: RecordCoder.encode(ring))
            forgetService(tenant, service)
            return ServiceKeyCompromise(version: version, rotatedTo: rotatedTo, stillOpens: stillOpens)
        }
    }

    /// Stops a Compromised L3 version opening anything: the data keys still
    /// under it no longer open.
    public func closeServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32) async throws {
        try await updateService(tenant, service) { ring throws(KeyChainError) in try ring.serviceKeys.close(version) }
    }
}
