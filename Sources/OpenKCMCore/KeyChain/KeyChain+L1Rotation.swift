/// The customer's own rotation of their L1 at the provider, noticed: the L2
/// is wrapped again under the newest version (``rewrapRoot(_:)``), so the old
/// one can be retired there without locking the tenant.
extension KeyChain {
    /// The provider's latest version of the tenant's L1 when the L2 was
    /// wrapped by an older one; nil when they agree, the tenant is locked or
    /// unlinked, or the keystore names no versions.
    public func l1VersionBehind(_ tenant: TenantID) async throws -> String? {
        let ring = try await tenantKeyRing(tenant)
        try refuseIfLocked(ring)
        try refuseIfLockedInMemory(tenant)
        guard let keystore = (try? keystores.keystore(for: ring.l1)) as? any KeystoreVersioning,
              let wrappedWith = keystore.version(of: Array(ring.wrappedRoot))
        else { return nil }
        let latest = try await keystore.latestVersion()
        return latest == wrappedWith ? nil : latest
    }
}
