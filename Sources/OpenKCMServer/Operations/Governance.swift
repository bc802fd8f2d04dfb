import Foundation
import ServiceLifecycle
public import OpenKCMCore

/// The governance plane's operations (`--plane governance`): the same
/// operation kinds, access rules and audit as the key chain's, over
/// ``GovernanceDirectory``, which holds references only.
extension Operations {
    var governance: GovernanceDirectory { GovernanceDirectory(storage: core.barrier) }

    public func governanceCreateTenant(_ id: TenantID, l1: KeystoreReference, caller: Caller) async throws -> GovernanceTenant {
        try await perform(.tenantCreate, caller: caller, tenant: id, key: l1.description, sync: true) { _ in
            try core.checkL1Link(l1, tenant: id)
            return try await governance.createTenant(id, l1: l1, change: caller.correlationID)
        }
    }

    public func governanceTenants(caller: Caller) async throws -> [GovernanceTenant] {
        try await perform(.tenantList, caller: caller) { _ in try await governance.tenants() }
    }

    public func governanceL1(_ id: TenantID, caller: Caller) async throws -> GovernanceTenant {
        try await perform(.l1Read, caller: caller, tenant: id) { _ in try await governance.tenant(id) }
    }

    /// A tenant, its services, and its state in each of their regions as each last reported it.
    public func governanceTenant(
        _ id: TenantID, caller: Caller
    ) async throws -> (tenant: GovernanceTenant, services: [GovernanceService], regions: [RegionTenantStatus]) {
        try await perform(.tenantRead, caller: caller, tenant: id) { _ in
            let services = try await governance.services(of: id)
            return (try await governance.tenant(id), services, core.regionReports.states(of: id, in: Array(Set(services.map(\.region))).sorted()))
        }
    }

    public func governanceDestroyTenant(_ id: TenantID, caller: Caller) async throws {
        try await requireApproval(.destroyTenant(id), caller: caller)
        try await perform(.tenantDestroy, caller: caller, tenant: id, sync: true) { unsealed in
            try await governance.destroyTenant(id, change: caller.correlationID)
            // Its identities go with it, as on a server that holds keys: no token outlives what it was for.
            try await unsealed.identities.revokeAll(tenant: id)
        }
    }

    public func governanceLink(_ id: TenantID, l1: KeystoreReference, caller: Caller) async throws -> GovernanceTenant {
        try await requireApproval(.linkL1(id, l1), caller: caller)
        return try await perform(.l1Link, caller: caller, tenant: id, key: l1.description, sync: true) { _ in
            try core.checkL1Link(l1, tenant: id)
            return try await governance.link(id, l1: l1, change: caller.correlationID)
        }
    }

    public func governanceUnlink(_ id: TenantID, caller: Caller) async throws -> GovernanceTenant {
        try await requireApproval(.unlinkL1(id), caller: caller)
        return try await perform(.l1Unlink, caller: caller, tenant: id, sync: true) { _ in try await governance.unlink(id, change: caller.correlationID) }
    }

    public func governanceCreateService(_ id: ServiceID, tenant: TenantID, region: RegionID, caller: Caller) async throws -> GovernanceService {
        try await perform(.serviceCreate, caller: caller, tenant: tenant, service: id, key: "region:\(region)", sync: true) { _ in
            try await governance.createService(id, tenant: tenant, region: region, change: caller.correlationID)
        }
    }

    public func governanceServices(of tenant: TenantID, caller: Caller) async throws -> [GovernanceService] {
        try await perform(.serviceList, caller: caller, tenant: tenant) { _ in
            _ = try await governance.tenant(tenant)
            return try await governance.services(of: tenant)
        }
    }

    public func governanceService(_ id: ServiceID, tenant: TenantID, caller: Caller) async throws -> GovernanceService {
        try await perform(.serviceRead, caller: caller, tenant: tenant, service: id) { _ in try await governance.service(id, tenant: tenant) }
    }

    public func governanceDestroyService(_ id: ServiceID, tenant: TenantID, caller: Caller) async throws {
        try await requireApproval(.destroyService(tenant, id), caller: caller)
        try await perform(.serviceDestroy, caller: caller, tenant: tenant, service: id, sync: true) { unsealed in
            try await governance.destroyService(id, tenant: tenant, change: caller.correlationID)
            try await unsealed.identities.revokeAll(tenant: tenant, service: id)
        }
    }

    /// What `region`'s core is to serve (its core identity, root, governance):
    /// its tenants with their L1 references and its services, at one
    /// governance generation.
    ///
    /// With `after`, a core that holds the snapshot of that generation waits
    /// up to `wait` for the governance records to move from it (a change by
    /// this node or a replica sharing the store; any other generation, even an
    /// older one after a restore, answers at once) and gets the new snapshot, or nil
    /// when nothing changed: the heartbeat that keeps the core within its
    /// grace period, authorized but not audited (a refusal is). Every
    /// snapshot handed out is audited.
    public func regionSnapshot(_ region: RegionID, after: UInt64? = nil, wait: Duration = .zero, caller: Caller) async throws -> RegionSnapshot? {
        if let after {
            try await authorize(.regionSnapshot, caller: caller, tenant: nil, service: nil, key: "region:\(region)", region: region)
            let deadline = ContinuousClock.now + wait
            while try await governance.generation() == after {
                // A server shutting down answers the waiting cores at once rather than holding its shutdown for them.
                guard ContinuousClock.now < deadline, !Task.isShuttingDownGracefully else { return nil }
                try await Task.sleep(for: Self.snapshotPollInterval)
            }
        }
        return try await perform(.regionSnapshot, caller: caller, key: "region:\(region)", region: region) { _ in
            try await governance.snapshot(of: region)
        }
    }

    /// Where a service's keys are (its region), for callers without an
    /// identity here (applications, gateways); audited either way.
    public func locateService(_ service: ServiceID, tenant: TenantID, caller: Caller) async throws -> GovernanceService {
        let found: GovernanceService
        do {
            _ = try core.unsealed()
            found = try await governance.service(service, tenant: tenant)
        } catch {
            try await recordRefusal(.serviceLocate, caller: caller, tenant: tenant, service: service, key: nil, error: error, sync: false)
            throw error
        }
        try await record(auditEntry(OperationKind.serviceLocate.rawValue, caller: caller, tenant: tenant, service: service,
                                    key: "region:\(found.region)", error: nil), caller: caller, sync: false)
        return found
    }

    /// Keeps a region's report of its tenants' states (its core identity),
    /// authorized before `report` reads the body; not audited when accepted
    /// (a heartbeat, every few seconds), a refusal is.
    public func recordRegionReport(_ region: RegionID, caller: Caller, _ report: () async throws -> [String: RegionReport.TenantState]) async throws {
        try await authorize(.regionReport, caller: caller, tenant: nil, service: nil, key: "region:\(region)", region: region)
        core.regionReports.record(RegionReport(region: region, tenants: try await report()))
    }

    /// How often a waiting snapshot request asks the store whether it moved:
    /// well within the 1 s an unlink has to reach every region.
    static let snapshotPollInterval: Duration = .milliseconds(100)
}
