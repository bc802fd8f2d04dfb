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

    /// Makes `snapshot` true here: revocations first (unlink, destroyed tenants
    /// and services), so that the kill switch never waits behind an L1 call,
    /// then what needs the customer's L1 (a new tenant's regional L2, a relink,
    /// new services). A tenant that fails (its L1 unreachable) is tried again;
    /// the others go on. Returns the failures.
    ///
    /// Only what a tombstone names is crypto-shredded: a service this core
    /// holds that the snapshot merely lacks (a governance store put back from
    /// an old backup, a bug) is kept and logged, never shredded.
    @discardableResult
    public func applyRegionSnapshot(_ snapshot: RegionSnapshot, logger: Logger) async -> [String] {
        guard let region = core.region, snapshot.region == region, let unsealed = try? core.unsealed() else { return [] }
        let keyChain = unsealed.keyChain
        var failures: [String] = []
        func attempt(_ what: String, change: String?, _ body: (Caller) async throws -> Void) async {
            do {
                try await body(Caller(identity: Self.governancePlane, correlationID: change ?? RandomUUID.make()))
            } catch {
                logger.warning("could not apply the governance plane's change", metadata: ["change": "\(change ?? "-")", "what": "\(what)", "error": "\(error)"])
                failures.append("\(what): \(error)")
            }
        }
        let held: Set<TenantID>
        do {
            held = Set(try await keyChain.tenants())
        } catch {
            return ["tenants: \(error)"]
        }
        var elsewhere: [TenantID: [ServiceID: RegionID]] = [:]

        // Revocations: the kill switch first, then what a tombstone names.
        for entry in snapshot.tenants where held.contains(entry.tenant.id) {
            let tenant = entry.tenant.id
            for service in entry.services where service.region != region { elsewhere[tenant, default: [:]][service.id] = service.region }
            if entry.tenant.l1 == nil, (try? await keyChain.tenantKeyRing(tenant))?.l1UnlinkedAt == nil {
                await attempt("unlink \(tenant)", change: entry.tenant.change) { caller in _ = try await unlinkL1(tenant, caller: caller) }
            }
        }
        keyChain.setServicesElsewhere(elsewhere)
        var shredded: Set<String> = []
        for tombstone in snapshot.destroyed where held.contains(tombstone.tenant) {
            let tenant = tombstone.tenant
            if let service = tombstone.service {
                guard !shredded.contains(tenant.rawValue), ((try? await keyChain.services(of: tenant)) ?? []).contains(service) else { continue }
                await attempt("destroy service \(tenant)/\(service)", change: tombstone.change) { caller in
                    try await destroyService(service, tenant: tenant, caller: caller)
                }
            } else {
                await attempt("destroy tenant \(tenant)", change: tombstone.change) { caller in try await destroyTenant(tenant, caller: caller) }
                shredded.insert(tenant.rawValue)
            }
        }
        for entry in snapshot.tenants where held.contains(entry.tenant.id) {
            let here = Set(entry.services.filter { $0.region == region }.map(\.id))
            let kept = ((try? await keyChain.services(of: entry.tenant.id)) ?? []).filter { !here.contains($0) }
            if !kept.isEmpty {
                logger.warning("the governance plane no longer lists services this region holds, and names no tombstone for them: kept",
                               metadata: ["tenant": "\(entry.tenant.id)", "services": "\(kept)"])
            }
        }

        // What needs the customer's L1.
        for entry in snapshot.tenants {
            let tenant = entry.tenant.id
            guard let l1 = entry.tenant.l1 else { continue }
            let change = entry.tenant.change
            if !held.contains(tenant) {
                for service in entry.services where service.region != region { elsewhere[tenant, default: [:]][service.id] = service.region }
                keyChain.setServicesElsewhere(elsewhere)
                var created = false
                await attempt("create tenant \(tenant)", change: change) { caller in
                    _ = try await createTenant(tenant, l1: l1, caller: caller)
                    created = true
                }
                guard created else { continue }
            } else if let ring = try? await keyChain.tenantKeyRing(tenant), ring.l1UnlinkedAt != nil || ring.l1 != l1 {
                var linked = false
                await attempt("link \(tenant)", change: change) { caller in
                    if ring.l1UnlinkedAt == nil { _ = try await unlinkL1(tenant, caller: caller) }
                    _ = try await linkL1(tenant, to: l1, caller: caller)
                    linked = true
                }
                guard linked else { continue }
            }
            let existing = Set((try? await keyChain.services(of: tenant)) ?? [])
            for service in entry.services where service.region == region && !existing.contains(service.id) {
                await attempt("create service \(tenant)/\(service.id)", change: change) { caller in
                    _ = try await createService(service.id, tenant: tenant, caller: caller)
                }
            }
        }
        return failures
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
                case .governanceUnreachable: "governance-unreachable"
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

    /// Locks every tenant (the governance plane was not heard from within
    /// the grace period) or lifts those locks (it answers again); audited.
    func lockForGovernance(_ locked: Bool, reason: String) async {
        guard let unsealed = try? core.unsealed(), let tenants = try? await unsealed.keyChain.tenants() else { return }
        for tenant in tenants {
            if locked {
                unsealed.keyChain.lockTenant(tenant, reason: reason, cause: .governanceUnreachable)
            } else {
                unsealed.keyChain.unlockTenant(tenant, cause: .governanceUnreachable)
            }
        }
        await auditSystemEvent(locked ? "governance.lost" : "governance.back", tenant: nil, errorCode: locked ? "governance.unreachable" : nil)
    }
}
