import Foundation
public import OpenKCMCore

/// The governance plane's operations (`--plane governance`): the same
/// operation kinds, access rules and audit as the key chain's, over
/// ``GovernanceDirectory``, which holds references only.
extension Operations {
    var governance: GovernanceDirectory { GovernanceDirectory(storage: core.barrier) }

    public func governanceCreateTenant(_ id: TenantID, l1: KeystoreReference, caller: Caller) async throws -> GovernanceTenant {
        try await perform(.tenantCreate, caller: caller, tenant: id, key: l1.description, sync: true) { _ in
            try await governance.createTenant(id, l1: l1)
        }
    }

    public func governanceTenants(caller: Caller) async throws -> [GovernanceTenant] {
        try await perform(.tenantList, caller: caller) { _ in try await governance.tenants() }
    }

    public func governanceL1(_ id: TenantID, caller: Caller) async throws -> GovernanceTenant {
        try await perform(.l1Read, caller: caller, tenant: id) { _ in try await governance.tenant(id) }
    }

    public func governanceTenant(_ id: TenantID, caller: Caller) async throws -> (tenant: GovernanceTenant, services: [GovernanceService]) {
        try await perform(.tenantRead, caller: caller, tenant: id) { _ in
            (try await governance.tenant(id), try await governance.services(of: id))
        }
    }

    public func governanceDestroyTenant(_ id: TenantID, caller: Caller) async throws {
        try await perform(.tenantDestroy, caller: caller, tenant: id, sync: true) { unsealed in
            try await governance.destroyTenant(id)
            // Its identities go with it, as on a server that holds keys: no token outlives what it was for.
            try await unsealed.identities.revokeAll(tenant: id)
        }
    }

    public func governanceLink(_ id: TenantID, l1: KeystoreReference, caller: Caller) async throws -> GovernanceTenant {
        try await perform(.l1Link, caller: caller, tenant: id, key: l1.description, sync: true) { _ in try await governance.link(id, l1: l1) }
    }

    public func governanceUnlink(_ id: TenantID, caller: Caller) async throws -> GovernanceTenant {
        try await perform(.l1Unlink, caller: caller, tenant: id, sync: true) { _ in try await governance.unlink(id) }
    }

    public func governanceCreateService(_ id: ServiceID, tenant: TenantID, region: RegionID, caller: Caller) async throws -> GovernanceService {
        try await perform(.serviceCreate, caller: caller, tenant: tenant, service: id, key: "region:\(region)", sync: true) { _ in
            try await governance.createService(id, tenant: tenant, region: region)
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
        try await perform(.serviceDestroy, caller: caller, tenant: tenant, service: id, sync: true) { unsealed in
            try await governance.destroyService(id, tenant: tenant)
            try await unsealed.identities.revokeAll(tenant: tenant, service: id)
        }
    }

    /// What `region`'s core is to serve (root, governance; regional cores with
    /// their own certificate are the next step): its tenants with their L1
    /// references and its services, at one store generation.
    public func regionSnapshot(_ region: RegionID, caller: Caller) async throws -> RegionSnapshot {
        try await perform(.regionSnapshot, caller: caller, key: "region:\(region)") { _ in try await governance.snapshot(of: region) }
    }
}
