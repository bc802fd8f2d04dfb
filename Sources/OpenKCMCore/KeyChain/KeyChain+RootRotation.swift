import Crypto
import Synchronization
public import Foundation

/// L2 rotation: a new tenant root replaces the old one. The seeds rotate the
/// L2 on tenant lifecycle events or on schedule; unlike the L1 rewrap
/// (``rewrapRoot(_:)``, the same L2 under the customer's newer key version),
/// this is new key material at the L2 itself, so a copy of the old wrapped L2
/// and the old L1 version together no longer open anything written since.
extension KeyChain {
    /// Makes a new L2 for `tenant`, wraps it through the L1 (checking the L1
    /// opens it again before anything is stored), and wraps every stored L2.1
    /// version again under it, in one transaction: the L2 generation goes up
    /// by one, L2.1 and everything below keep their keys, and the old L2 is
    /// gone from the store once it commits. Refused while the tenant is
    /// unlinked or locked. Returns the new generation.
    @discardableResult
    public func rotateRoot(_ tenant: TenantID) async throws -> UInt32 {
        try await tenantTransaction(tenant) { try await rotateRootLocked(tenant) }
    }

    /// ``rotateRoot(_:)`` inside the tenant's transaction.
    func rotateRootLocked(_ tenant: TenantID) async throws -> UInt32 {
            var ring = try await readTenant(tenant)
            if ring.l1UnlinkedAt != nil { throw KeyChainError.tenantLocked(tenant, reason: Self.unlinkedReason) }
            try refuseIfLocked(ring)
            let context = rootContext(tenant)
            let keystore = try keystores.keystore(for: ring.l1)
            let oldRoot = try await keystore.unwrap(ring.wrappedRoot, context: context)
            let newRoot = SymmetricKey(size: .bits256)
            let l1Version = await l1VersionToNote(keystore)
            let wrappedRoot = try await keystore.wrap(newRoot, context: context)
            guard try await keystore.unwrap(wrappedRoot, context: context) == newRoot else { throw KeystoreError.badCiphertext(ring.l1) }
            let generation = ring.rootVersion + 1
            // Every version with bytes, whatever its state: a version the old L2 alone could open would be lost with it.
            for entry in ring.tenantKeys.versions {
                guard let wrapped = entry.wrapped else { continue }
                let binding = KeyChainBindings.tenantKey(tenant, version: entry.version)
                let key = try EnvelopeCipher.unwrap(WrappedKey(parsing: wrapped), expecting: .l2_1, binding: binding, wrappingKey: oldRoot)
                let rewrapped = try EnvelopeCipher.wrap(
                    key, header: EnvelopeHeader(layer: .l2_1, keyID: ring.rootKeyID, keyVersion: generation), binding: binding, wrappingKey: newRoot)
                ring.tenantKeys.replaceWrapped(entry.version, with: Data(rewrapped), parentVersion: generation)
            }
            ring.rootVersion = generation
            ring.wrappedRoot = wrappedRoot
            ring.l1Version = l1Version
            ring.rootRotatedAt = now()
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            let unsealed = try UnsealedTenant(ring: ring, root: newRoot)
            memory.withLock { memory in
                // A lock that landed meanwhile stays; otherwise memory holds the new L2 at once.
                if case .locked = memory.tenants[tenant] { return }
                memory.tenants[tenant] = .unsealed(unsealed)
                memory.dropLoaded(tenant)
            }
            return generation
    }

    /// When the tenant's L2 is due, under the root period of its policy (else the platform's); nil when the schedule has no root period.
    public func rootDue(_ ring: TenantKeyRing, defaults: RotationDefaults) -> (dueAt: Date, periodSeconds: Int, source: RotationPolicySource)? {
        let (seconds, source) = defaults.rootPeriod(ring.rotationPolicy)
        let since = ring.rootRotatedAt ?? ring.createdAt
        return (RotationSchedule.dueDate(createdAt: since, periodSeconds: seconds, jitterSeed: "\(ring.tenant)/L2/g\(ring.rootVersion)"), seconds, source)
    }

    /// Rotates the tenant's L2 if it is due at `now`; nil when not due or the tenant is locked.
    public func rotateRootIfDue(_ tenant: TenantID, defaults: RotationDefaults, now: Date) async throws -> ScheduledRotation? {
        try await tenantTransaction(tenant) {
            try refuseIfLockedInMemory(tenant)
            let ring = try await readTenant(tenant)
            guard ring.l1UnlinkedAt == nil, ring.l1ProviderLock == nil, let (dueAt, seconds, source) = rootDue(ring, defaults: defaults), dueAt <= now
            else { return nil }
            let generation = try await rotateRootLocked(tenant)
            return ScheduledRotation(layer: .l2, tenant: tenant, version: generation, periodSeconds: seconds, source: source, dueAt: dueAt)
        }
    }
}
