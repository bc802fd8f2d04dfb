public import OpenKCMCore

extension ServerCore {
    /// Applies another writer's announced change (``StorageChangeFeed``) to
    /// everything this node holds from the shared store: the freshness of the
    /// scopes it touched, the key chain's tenants (those held in memory are
    /// brought in line at once, so their lock and destroy events reach this
    /// node's subscribers), identities, revoked data keys, KMIP records and
    /// the trusted KMIP CAs.
    public func storeChanged(_ change: StorageChange) {
        guard let freshness else { return }
        let scopes = StoreFreshness.scopes(of: change)
        if let scopes { freshness.forget(scopes) } else { freshness.forgetAll() }
        let unsealed = try? unsealed()
        guard let scopes else {
            unsealed?.keyChain.storeChangedEverywhere()
            unsealed?.identities.storeChanged()
            revokedDataKeys.storeChangedEverywhere()
            kmipRecords.removeAll()
            kmipClientTrust.signalChange()
            if let keyChain = unsealed?.keyChain { followHeldTenants(keyChain.heldTenants(), keyChain) }
            return
        }
        if case .keys(let keys) = change, let keyChain = unsealed?.keyChain { announceRemovals(keys, keyChain) }
        let tenants = scopes.compactMap { $0.tenant.flatMap { try? TenantID($0) } }
        if !tenants.isEmpty {
            unsealed?.keyChain.storeChanged(tenants: tenants)
            for tenant in tenants { revokedDataKeys.storeChanged(tenant: tenant.rawValue) }
            kmipRecords.removeAll()
            if let keyChain = unsealed?.keyChain {
                let held = keyChain.heldTenants()
                followHeldTenants(tenants.filter { held.contains($0) }, keyChain)
            }
        }
        if scopes.contains(where: { $0.tenant == nil && $0.description == "system/identities" }) { unsealed?.identities.storeChanged() }
        if scopes.contains(where: { $0.description == "system/kmip" }) { kmipClientTrust.signalChange() }
    }

    /// Revocations and subject destructions another node made, told to this
    /// node's event-stream subscribers (gateways drop their cached copies):
    /// a revoked data key by its digest; a destroyed subject without one, since
    /// the store names it only by its keyed name (a gateway then empties its cache).
    private func announceRemovals(_ keys: [String], _ keyChain: KeyChain) {
        for key in keys {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, let tenant = try? TenantID(parts[1]), let service = try? ServiceID(parts[2]) else { continue }
            switch parts[0] {
            case "destroyed-l4": keyChain.announceDataKeyRevoked(tenant: tenant, service: service, digest: parts[3])
            case "subject-tombstones": keyChain.announceSubjectDestroyed(tenant: tenant, service: service)
            default: break
            }
        }
    }

    /// Brings the tenants this node holds in memory in line with the store now, not at their next use.
    private func followHeldTenants(_ tenants: some Collection<TenantID>, _ keyChain: KeyChain) {
        guard !tenants.isEmpty else { return }
        let tenants = Array(tenants)
        Task {
            for tenant in tenants { try? await keyChain.confirmTenant(tenant) }
        }
    }
}
