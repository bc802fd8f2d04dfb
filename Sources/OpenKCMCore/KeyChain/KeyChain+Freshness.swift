import Foundation
import Synchronization

/// Several nodes on one store: what a node holds in memory for a tenant
/// (its unwrapped keys, loaded services and their leases, subject secrets,
/// an unlink lock) follows what other nodes changed, within the freshness
/// bound, or is not served (docs/architecture.md, "Replicas").
extension KeyChain {
    /// Another writer committed to these tenants (an announcement of the
    /// shared store): their memory is confirmed again before its next use.
    package func storeChanged(tenants: some Sequence<TenantID>) {
        announcements.add(1, ordering: .acquiringAndReleasing)
        memory.withLock { memory in
            for tenant in tenants { memory.markUnconfirmed(tenant, bound: freshness?.bound ?? .zero) }
        }
    }

    /// Anything may have changed (announcements were missed).
    package func storeChangedEverywhere() {
        announcements.add(1, ordering: .acquiringAndReleasing)
        let bound = freshness?.bound ?? .zero
        memory.withLock { memory in
            for tenant in Array(memory.confirmed.keys) { memory.markUnconfirmed(tenant, bound: bound) }
        }
    }

    /// On a shared store, before waiting for the tenant's lock: asks the
    /// store for the tenant's generation (within half the bound, taking no
    /// lock, so a node cut from its store refuses here at once whatever else
    /// is in flight) and, when it has not moved since memory was confirmed,
    /// confirms memory again. False when it moved (memory must follow it
    /// under the tenant's lock) or nothing was confirmed before.
    func confirmUnchanged(_ tenant: TenantID) async throws -> Bool {
        guard let freshness else { return true }
        let mark = announcements.load(ordering: .acquiring)
        let reading = try await generation(of: tenant, freshness)
        return memory.withLock { memory in
            guard memory.confirmed[tenant]?.generation == reading.generation, announcements.load(ordering: .acquiring) == mark else { return false }
            memory.confirmed[tenant] = reading
            return true
        }
    }

    /// Whether this node is storing a lock of `tenant` now (the store does not say it yet).
    private func isStoringLock(_ tenant: TenantID) -> Bool {
        memory.withLock { $0.storingLocks.contains(tenant) }
    }

    /// The tenant's generation in the shared store, or ``KeyChainError/stateUnconfirmed(_:reason:)``.
    private func generation(of tenant: TenantID, _ freshness: StoreFreshness) async throws(KeyChainError) -> StoreFreshness.Reading {
        do {
            return try await freshness.generation(of: .tenant(tenant.rawValue))
        } catch {
            switch error {
            case .unconfirmed(let reason): throw .stateUnconfirmed(tenant, reason: reason)
            }
        }
    }

    /// The tenants this node holds anything of in memory (keys or a lock).
    package func heldTenants() -> Set<TenantID> {
        memory.withLock { Set($0.tenants.keys) }
    }

    /// Brings memory of `tenant` in line with the store now (see ``confirmCurrent(_:)``).
    package func confirmTenant(_ tenant: TenantID) async throws {
        try await tenantTransaction(tenant) {}
    }

    /// Makes memory of `tenant` current before it is used: when the tenant's
    /// generation in the store moved since memory was last confirmed, memory
    /// is brought in line with the stored records. Throws
    /// ``KeyChainError/stateUnconfirmed(_:reason:)`` when the store cannot say.
    /// Call inside the tenant's transaction. Does nothing on a store of its own.
    func confirmCurrent(_ tenant: TenantID) async throws {
        guard let freshness else { return }
        let now = ContinuousClock.now
        let previous = memory.withLock { $0.confirmed[tenant] }
        if let previous, now - previous.readAt < freshness.bound { return }
        let mark = announcements.load(ordering: .acquiring)
        let reading = try await generation(of: tenant, freshness)
        if previous?.generation != reading.generation { try await followStore(tenant) }
        memory.withLock { memory in
            // An announcement that came meanwhile may name a change this did not see: confirm again next time.
            guard announcements.load(ordering: .acquiring) == mark else { return }
            memory.confirmed[tenant] = reading
        }
    }

    /// Brings memory of `tenant` in line with its stored records, without
    /// calling its L1 and without refusing anything itself: an unlink or a
    /// destruction made on another node drops the keys here (and an unlink
    /// locks), a relink lifts the unlink lock, a changed ring is unwrapped
    /// again under the L2 held, and each loaded service whose ring changed
    /// (more than another node's reservation of wraps) is dropped.
    private func followStore(_ tenant: TenantID) async throws {
        let stored: TenantKeyRing?
        do {
            stored = try await readTenant(tenant)
        } catch KeyChainError.tenantNotFound {
            stored = nil
        }
        let slot = memory.withLock { $0.tenants[tenant] }
        guard let stored else {
            let held = memory.withLock { memory -> Bool in
                let held = memory.tenants[tenant] != nil
                memory.tenants.removeValue(forKey: tenant)
                memory.dropLoaded(tenant)
                return held
            }
            if held { broadcast.emit(.tenantDestroyed(tenant)) }
            return
        }
        switch slot {
        case nil:
            return
        case .locked(_, .unlinked):
            if stored.l1UnlinkedAt == nil, !isStoringLock(tenant) { _ = unlockTenant(tenant, cause: .unlinked) }
            return
        case .locked(_, .provider):
            // Lifted when the stored lock was (the node running the status check saw the key back).
            if stored.l1ProviderLock == nil, !isStoringLock(tenant) { _ = unlockTenant(tenant, cause: .provider) }
            return
        case .locked:
            // An operator's lock on this node stays until lifted here.
            return
        case .unsealed(let held):
            if stored.l1UnlinkedAt != nil {
                lockTenant(tenant, reason: Self.unlinkedReason, cause: .unlinked)
                return
            }
            if let reason = stored.l1ProviderLock {
                lockTenant(tenant, reason: reason, cause: .provider)
                return
            }
            guard stored.l1 == held.ring.l1, stored.wrappedRoot == held.ring.wrappedRoot else {
                // Linked to another L1: opened through it on next use.
                memory.withLock { $0.evict(tenant) }
                return
            }
            if stored != held.ring {
                let rebuilt = try UnsealedTenant(ring: stored, root: held.root)
                memory.withLock { memory in
                    guard case .unsealed = memory.tenants[tenant] else { return }
                    memory.tenants[tenant] = .unsealed(rebuilt)
                    memory.dropLoaded(tenant)
                }
                return
            }
        }
        // The tenant is as held: check each loaded service, and let subject secrets be read again.
        let loaded = memory.withLock { memory -> [ServiceID: UnsealedService] in
            memory.subjects.removeValue(forKey: tenant)
            return memory.services[tenant] ?? [:]
        }
        for (service, held) in loaded {
            let current: ServiceKeyRing?
            do {
                current = try await readService(tenant, service)
            } catch KeyChainError.serviceNotFound {
                current = nil
            }
            if let current, current.serviceKeys.servesAlike(held.ring.serviceKeys) { continue }
            memory.withLock { memory in
                if memory.services[tenant]?[service] === held { memory.services[tenant]?.removeValue(forKey: service) }
            }
            if current == nil { broadcast.emit(.serviceDestroyed(tenant, service)) }
        }
    }
}
