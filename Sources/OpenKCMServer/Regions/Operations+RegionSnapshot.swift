import Foundation
public import Logging
public import OpenKCMCore

/// A regional core following the governance plane: each snapshot is made
/// true in this core's own store, as the governance plane's own caller, and
/// audited under the correlation id of the governance change that caused it.
extension Operations {
    /// Who a regional core's audit names for what the governance plane decided.
    static let governancePlane = Identity(
        id: "governance-plane", name: "the governance plane", role: .root, tenant: nil, service: nil, createdAt: Date(timeIntervalSince1970: 0),
        tokenHash: "")

    /// Where a regional core records the governance plane it follows (sealed).
    public static let governanceKey = "core/governance"

    /// Throws unless `snapshot` is for this core's region and from the
    /// governance plane it follows (the first one it applies is recorded):
    /// another deployment's tombstones must never shred this region's keys.
    func checkGovernance(_ snapshot: RegionSnapshot) async throws {
        guard snapshot.region == core.region else {
            throw SealError.misconfigured("the governance plane answered for region \(snapshot.region), not \(core.region.map { "\($0)" } ?? "-")")
        }
        let barrier = core.barrier
        try await barrier.transaction {
            if let data = try await barrier.get(Self.governanceKey) {
                let followed = String(decoding: data, as: UTF8.self)
                guard followed == snapshot.governance else {
                    throw SealError.misconfigured("this core follows governance plane \(followed); the one at the configured address is \(snapshot.governance)")
                }
            } else {
                try await barrier.put(Self.governanceKey, value: Data(snapshot.governance.utf8))
            }
        }
    }

    /// Makes `snapshot` true here: revocations first (unlink, destroyed tenants
    /// and services), so that the kill switch never waits behind an L1 call,
    /// then what needs the customer's L1 (a new tenant's regional L2, a relink,
    /// new services). A tenant that fails (its L1 unreachable) is tried again;
    /// the others go on, and it is not called again before `backoff` says so.
    /// Returns the failures (a tenant waiting out its backoff counts as one);
    /// `revocations` counts those of the first part, while any of which the
    /// region gate stays closed.
    ///
    /// Only what a tombstone names is crypto-shredded: a service this core
    /// holds that the snapshot merely lacks (a governance store put back from
    /// an old backup, a bug) is kept and logged, never shredded.
    @discardableResult
    package func applyRegionSnapshot(
        _ snapshot: RegionSnapshot, backoff: RegionApplyBackoff = RegionApplyBackoff(), logger: Logger
    ) async -> (failures: [String], revocations: Int) {
        guard let region = core.region, snapshot.region == region, let unsealed = try? core.unsealed() else { return (["sealed"], 1) }
        let keyChain = unsealed.keyChain
        var failures: [String] = []
        func attempt(_ what: String, change: String?, _ body: (Caller) async throws -> Void) async {
            do {
                var caller = Caller(identity: Self.governancePlane, correlationID: change ?? RandomUUID.make())
                // Approved (when four-eyes is on) at the governance plane, where it was asked: it only applies here.
                caller.governed = true
                try await body(caller)
            } catch {
                logger.warning("could not apply the governance plane's change", metadata: ["change": "\(change ?? "-")", "what": "\(what)", "error": "\(error)"])
                failures.append("\(what): \(error)")
            }
        }
        func read<Value>(_ what: String, _ body: () async throws -> Value) async -> Value? {
            do { return try await body() } catch {
                failures.append("\(what): \(error)")
                return nil
            }
        }
        guard let held = await read("tenants", { Set(try await keyChain.tenants()) }) else { return (failures, failures.count) }
        var elsewhere: [TenantID: [ServiceID: RegionID]] = [:]
        for entry in snapshot.tenants {
            for service in entry.services where service.region != region { elsewhere[entry.tenant.id, default: [:]][service.id] = service.region }
        }
        keyChain.setServicesElsewhere(elsewhere)

        // Revocations: the kill switch first, then what a tombstone names. Each is locked in memory before anything
        // is read or written, so no store, audit or L1 trouble delays it; a failure leaves the lock in place.
        for entry in snapshot.tenants where held.contains(entry.tenant.id) && entry.tenant.l1 == nil {
            let tenant = entry.tenant.id
            if keyChain.lockCause(tenant) != .unlinked { keyChain.lockTenant(tenant, reason: KeyChain.unlinkedReason, cause: .unlinked) }
            guard let ring = await read("tenant \(tenant)", { try await keyChain.tenantKeyRing(tenant) }), ring.l1UnlinkedAt == nil else { continue }
            await attempt("unlink \(tenant)", change: entry.tenant.l1Change ?? entry.tenant.change) { caller in _ = try await unlinkL1(tenant, caller: caller) }
        }
        var shredded: Set<TenantID> = []
        for tombstone in snapshot.destroyed where tombstone.service == nil && held.contains(tombstone.tenant) {
            keyChain.lockTenant(tombstone.tenant, reason: "destroyed at the governance plane", cause: .ungoverned)
            await attempt("destroy tenant \(tombstone.tenant)", change: tombstone.change) { caller in try await destroyTenant(tombstone.tenant, caller: caller) }
            shredded.insert(tombstone.tenant)
        }
        // A locked tenant's services wait (the key chain changes nothing of a locked tenant): nothing of it is
        // served meanwhile, and they are shredded right after it is linked again, before it serves anything.
        func shredServices(of tenants: Set<TenantID>) async {
            for tombstone in snapshot.destroyed where tenants.contains(tombstone.tenant) && !shredded.contains(tombstone.tenant) {
                guard let service = tombstone.service, keyChain.lockCause(tombstone.tenant) == nil,
                      let ring = await read("tenant \(tombstone.tenant)", { try await keyChain.tenantKeyRing(tombstone.tenant) }),
                      ring.l1UnlinkedAt == nil, ring.l1ProviderLock == nil,
                      let services = await read("services of \(tombstone.tenant)", { try await keyChain.services(of: tombstone.tenant) }),
                      services.contains(service)
                else { continue }
                await attempt("destroy service \(tombstone.tenant)/\(service)", change: tombstone.change) { caller in
                    try await destroyService(service, tenant: tombstone.tenant, caller: caller)
                }
            }
        }
        await shredServices(of: held)
        // Held, not destroyed, not listed for this region any more, and with no tombstone here to say why (a
        // governance store put back from an old backup, say): kept, but not served until it is listed again.
        let listed = Set(snapshot.tenants.map(\.tenant.id))
        let explained = Set(snapshot.destroyed.map(\.tenant))
        for tenant in held where !listed.contains(tenant) && !explained.contains(tenant) && keyChain.lockCause(tenant) != .ungoverned {
            keyChain.lockTenant(tenant, reason: "the governance plane does not list this tenant for region \(region)", cause: .ungoverned)
        }
        let destroyedTenants = Set(snapshot.destroyed.filter { $0.service == nil }.map(\.tenant))
        for tenant in held where !destroyedTenants.contains(tenant) && (listed.contains(tenant) || explained.contains(tenant)) {
            keyChain.unlockTenant(tenant, cause: .ungoverned)
        }

        for entry in snapshot.tenants where held.contains(entry.tenant.id) {
            let here = Set(entry.services.filter { $0.region == region }.map(\.id))
            let kept = (await read("services of \(entry.tenant.id)", { try await keyChain.services(of: entry.tenant.id) }) ?? []).filter { !here.contains($0) }
            let named = Set(snapshot.destroyed.filter { $0.tenant == entry.tenant.id }.compactMap(\.service))
            if !kept.filter({ !named.contains($0) }).isEmpty {
                logger.warning("the governance plane no longer lists services this region holds, and names no tombstone for them: kept",
                               metadata: ["tenant": "\(entry.tenant.id)", "services": "\(kept)"])
            }
        }
        let revocations = failures.count

        // What needs the customer's L1.
        for entry in snapshot.tenants {
            let tenant = entry.tenant.id
            guard let l1 = entry.tenant.l1 else { continue }
            guard backoff.mayTry(tenant) else {
                failures.append("tenant \(tenant): waiting to call its L1 again")
                continue
            }
            let before = failures.count
            defer { if failures.count > before { backoff.failed(tenant) } else { backoff.succeeded(tenant) } }
            let l1Change = entry.tenant.l1Change ?? entry.tenant.change
            if !held.contains(tenant) {
                var created = false
                await attempt("create tenant \(tenant)", change: l1Change) { caller in
                    _ = try await createTenant(tenant, l1: l1, caller: caller)
                    created = true
                }
                guard created else { continue }
            } else {
                guard let ring = await read("tenant \(tenant)", { try await keyChain.tenantKeyRing(tenant) }) else { continue }
                if ring.l1UnlinkedAt != nil || ring.l1 != l1 {
                    var linked = false
                    await attempt("link \(tenant)", change: l1Change) { caller in
                        if ring.l1UnlinkedAt == nil { _ = try await unlinkL1(tenant, caller: caller) }
                        _ = try await linkL1(tenant, to: l1, caller: caller)
                        linked = true
                    }
                    guard linked else { continue }
                    await shredServices(of: [tenant])
                }
            }
            guard let existing = await read("services of \(tenant)", { Set(try await keyChain.services(of: tenant)) }) else { continue }
            for service in entry.services where service.region == region && !existing.contains(service.id) {
                await attempt("create service \(tenant)/\(service.id)", change: service.change ?? entry.tenant.change) { caller in
                    _ = try await createService(service.id, tenant: tenant, caller: caller)
                }
            }
            await applyRotationPolicies(entry, region: region, keyChain: keyChain, attempt: attempt, read: read)
        }
        return (failures, revocations)
    }

    /// The governance plane's rotation policies, set on this region's key rings
    /// where they differ (a policy it never set leaves the ring as it is; an
    /// empty one clears the ring's). Audited under the tenant's last change.
    private func applyRotationPolicies(
        _ entry: RegionSnapshot.Entry, region: RegionID, keyChain: KeyChain,
        attempt: (String, String?, (Caller) async throws -> Void) async -> Void,
        read: (String, () async throws -> RotationPolicy?) async -> RotationPolicy??
    ) async {
        let tenant = entry.tenant.id
        func effective(_ policy: RotationPolicy) -> RotationPolicy? { policy == RotationPolicy() ? nil : policy }
        if let policy = entry.tenant.rotationPolicy,
           let held = await read("tenant \(tenant)", { try await keyChain.tenantKeyRing(tenant).rotationPolicy }), held != effective(policy) {
            await attempt("rotation policy of \(tenant)", entry.tenant.change) { caller in
                _ = try await setTenantRotationPolicy(tenant, effective(policy), caller: caller)
            }
        }
        for service in entry.services where service.region == region {
            guard let policy = service.rotationPolicy,
                  let held = await read("service \(tenant)/\(service.id)", { try await keyChain.serviceKeyRing(service.id, tenant: tenant).rotationPolicy }),
                  held != effective(policy)
            else { continue }
            await attempt("rotation policy of \(tenant)/\(service.id)", entry.tenant.change) { caller in
                _ = try await setServiceRotationPolicy(service.id, tenant: tenant, effective(policy), caller: caller)
            }
        }
    }

    /// The state of every tenant this core holds, for the governance plane's `tenant show`.
    func regionReport() async -> RegionReport? {
        guard let region = core.region, let unsealed = try? core.unsealed(), let tenants = try? await unsealed.keyChain.tenants() else { return nil }
        var states: [String: RegionReport.TenantState] = [:]
        for tenant in tenants {
            if unsealed.keyChain.isUnsealed(tenant) {
                states[tenant.rawValue] = .init(state: "unsealed")
            } else if let cause = unsealed.keyChain.lockCause(tenant) {
                let name = switch cause {
                case .manual: "manual"
                case .unlinked: "unlinked"
                case .provider: "provider"
                case .ungoverned: "ungoverned"
                }
                states[tenant.rawValue] = .init(state: "locked", cause: name)
            } else if (try? await unsealed.keyChain.tenantKeyRing(tenant))?.l1UnlinkedAt != nil {
                states[tenant.rawValue] = .init(state: "locked", cause: "unlinked")
            } else {
                states[tenant.rawValue] = .init(state: "ready")
            }
        }
        return RegionReport(region: region, tenants: states)
    }
}
