import Synchronization

/// What a status check changed for a tenant.
public enum L1StatusChange: Sendable, Hashable {
    /// The tenant was locked: the reason names the provider's answer.
    case locked(reason: String)
    /// The provider answers "enabled" again: a provider lock was lifted.
    case unlocked
}

extension KeyChain {
    /// Asks the tenant's L1 for its status and applies the kill switch:
    /// disabled or deleted locks at once; unreachable locks only after
    /// ``l1GracePeriod`` (a network fault is not the customer pulling the
    /// plug); enabled again lifts a provider lock. Unlinked tenants are left
    /// to the governance plane. Returns what changed, if anything.
    public func refreshL1Status(_ tenant: TenantID) async throws -> L1StatusChange? {
        let ring = try await tenantKeyRing(tenant)
        guard ring.l1UnlinkedAt == nil else { return nil }
        var status: KeystoreStatus
        do {
            let keystore = try keystoreForStatus(ring.l1)
            status = await keystore.status()
            // One dropped connection is not an outage: ask again before counting it.
            if case .unreachable = status { status = await keystore.status() }
        } catch {
            status = .unreachable(reason: "\(error)")
        }
        // A lock another node's check stored counts as this node's: the stored one is what every node follows.
        let lockedByProvider = lockCause(tenant) == .provider || ring.l1ProviderLock != nil
        switch status {
        case .enabled:
            _ = unreachableSince.withLock { $0.removeValue(forKey: tenant) }
            guard lockedByProvider else { return nil }
            try await storeProviderLock(tenant, reason: nil)
            _ = unlockTenant(tenant, cause: .provider)
            return .unlocked
        case .disabled(let reason), .deleted(let reason):
            _ = unreachableSince.withLock { $0.removeValue(forKey: tenant) }
            guard !lockedByProvider, lockCause(tenant) == nil else { return nil }
            let message = "its L1 \(ring.l1) is off at the provider (\(reason))"
            try await lockByProvider(tenant, reason: message)
            return .locked(reason: message)
        case .unreachable(let reason):
            return try await unreachable(tenant, l1: ring.l1, reason: reason)
        }
    }

    /// A status check that has not answered yet counts as the L1 being
    /// unreachable: the grace period runs, and a provider that never answers
    /// locks its tenant once it is over.
    public func noteL1Unanswered(_ tenant: TenantID) async -> L1StatusChange? {
        guard let ring = try? await tenantKeyRing(tenant), ring.l1UnlinkedAt == nil else { return nil }
        return try? await unreachable(tenant, l1: ring.l1, reason: "the status check has not answered")
    }

    /// Locks with cause `provider` in memory at once, then in the tenant
    /// record, so every node sharing the store locks too. A lock that could
    /// not be stored still holds here (and the error says why it is not shared).
    func lockByProvider(_ tenant: TenantID, reason: String) async throws {
        lockTenant(tenant, reason: reason, cause: .provider)
        memory.withLock { _ = $0.storingLocks.insert(tenant) }
        defer { memory.withLock { _ = $0.storingLocks.remove(tenant) } }
        try await storeProviderLock(tenant, reason: reason)
    }

    /// Writes (or, with nil, clears) the provider lock in the tenant record.
    private func storeProviderLock(_ tenant: TenantID, reason: String?) async throws {
        try await tenantTransaction(tenant) {
            var ring = try await readTenant(tenant)
            guard ring.l1ProviderLock != reason else { return }
            ring.l1ProviderLock = reason
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            if let reason { lockTenant(tenant, reason: reason, cause: .provider) }
        }
    }

    private func unreachable(_ tenant: TenantID, l1: KeystoreReference, reason: String) async throws -> L1StatusChange? {
        let since = unreachableSince.withLock { unreachable in
            let since = unreachable[tenant, default: .now]
            unreachable[tenant] = since
            return since
        }
        guard ContinuousClock.now - since >= l1GracePeriod, lockCause(tenant) == nil else { return nil }
        let message = "its L1 \(l1) has been unreachable for more than \(l1GracePeriod) (\(reason))"
        try await lockByProvider(tenant, reason: message)
        return .locked(reason: message)
    }

    private func keystoreForStatus(_ reference: KeystoreReference) throws -> any Keystore {
        try keystoreResolver.keystore(for: reference)
    }
}
