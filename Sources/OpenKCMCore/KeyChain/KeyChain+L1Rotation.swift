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
        guard let keystore = (try? keystores.keystore(for: ring.l1)) as? any KeystoreVersioning else { return nil }
        // The ciphertext's own version (transit), else the one noted when the L2 was wrapped (AWS KMS); unknown counts as behind.
        let wrappedWith = keystore.version(of: Array(ring.wrappedRoot)) ?? ring.l1Version
        let latest = try await keystore.latestVersion()
        return latest == wrappedWith ? nil : latest
    }

    /// The L1 version to note beside a wrap by `keystore`, asked before wrapping (so a rotation in
    /// between is seen as behind, and followed, never missed): only for a provider whose ciphertext
    /// does not name it; nil otherwise, or when the provider does not answer.
    func l1VersionToNote(_ keystore: any Keystore) async -> String? {
        guard let versioning = keystore as? any KeystoreVersioning, !versioning.ciphertextNamesVersion else { return nil }
        return try? await versioning.latestVersion()
    }
}
