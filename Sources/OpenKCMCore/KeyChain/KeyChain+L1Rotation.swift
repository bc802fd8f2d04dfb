/// The customer's own rotation of their L1 at the provider, noticed: the L2
/// is wrapped again under the newest version, so the old one can be retired
/// there without locking the tenant.
extension KeyChain {
    /// When the tenant's L1 keystore names versions and the L2 was wrapped by
    /// an older one than the provider's latest, wraps the L2 again (through the
    /// L1: unwrap with the old version, wrap with the new). Returns the version
    /// moved to, or nil when nothing was due (or the provider does not say).
    public func rewrapRootIfL1Rotated(_ tenant: TenantID) async throws -> String? {
        let ring = try await tenantKeyRing(tenant)
        guard ring.l1UnlinkedAt == nil, ring.l1ProviderLock == nil,
              let keystore = (try? keystores.keystore(for: ring.l1)) as? any KeystoreVersioning,
              let wrappedWith = keystore.version(of: Array(ring.wrappedRoot))
        else { return nil }
        let latest = try await keystore.latestVersion()
        guard latest != wrappedWith else { return nil }
        try await rewrapRoot(tenant)
        return latest
    }
}
