public import Foundation

/// The governance plane's records (the Brain): tenants with the reference to
/// their customer's L1, services with their region, and the tombstones of
/// destroyed tenants. It holds references only, never a key of any layer:
/// the types it stores have no field that could carry one. Every change is
/// one store transaction (replicas of the governance plane share a store
/// like cores do), and the store generation numbers the changes a regional
/// core follows.
///
/// Records live in the barrier under `governance/tenants/<t>`,
/// `governance/services/<t>/<s>` and `governance/destroyed/<t>`.
public final class GovernanceDirectory: Sendable {
    private let storage: SealedStorage

    public init(storage: SealedStorage) {
        self.storage = storage
    }

    static func tenantPath(_ tenant: TenantID) -> String { "governance/tenants/\(tenant)" }
    static func servicesPrefix(_ tenant: TenantID) -> String { "governance/services/\(tenant)/" }
    static func servicePath(_ tenant: TenantID, _ service: ServiceID) -> String { servicesPrefix(tenant) + service.rawValue }
    static func tombstonePath(_ tenant: TenantID) -> String { "governance/destroyed/\(tenant)" }

    // MARK: Tenants

    /// A new tenant whose root key is `l1` at the customer's KMS.
    @discardableResult
    public func createTenant(_ id: TenantID, l1: KeystoreReference, now: Date = Date()) async throws -> GovernanceTenant {
        try await storage.transaction {
            if try await self.storage.get(Self.tombstonePath(id)) != nil { throw GovernanceError.tenantDestroyed(id) }
            guard try await self.storage.get(Self.tenantPath(id)) == nil else { throw GovernanceError.tenantAlreadyExists(id) }
            let tenant = GovernanceTenant(id: id, l1: l1, createdAt: now)
            try await self.storage.put(Self.tenantPath(id), value: Self.encode(tenant))
            return tenant
        }
    }

    public func tenant(_ id: TenantID) async throws -> GovernanceTenant {
        guard let tenant = try await read(GovernanceTenant.self, at: Self.tenantPath(id)) else { throw GovernanceError.tenantNotFound(id) }
        return tenant
    }

    /// Every tenant, by id.
    public func tenants() async throws -> [GovernanceTenant] {
        var tenants: [GovernanceTenant] = []
        for path in try await storage.list(prefix: "governance/tenants/") {
            if let tenant = try await read(GovernanceTenant.self, at: path) { tenants.append(tenant) }
        }
        return tenants.sorted { $0.id < $1.id }
    }

    /// Deletes the pointer to the customer's L1: the kill switch, for every region.
    @discardableResult
    public func unlink(_ id: TenantID, now: Date = Date()) async throws -> GovernanceTenant {
        try await changeTenant(id) { tenant in
            guard tenant.l1 != nil else { throw GovernanceError.notLinked(id) }
            tenant.l1 = nil
            tenant.unlinkedAt = now
        }
    }

    /// Points an unlinked tenant at its L1 again.
    @discardableResult
    public func link(_ id: TenantID, l1: KeystoreReference) async throws -> GovernanceTenant {
        try await changeTenant(id) { tenant in
            guard tenant.l1 == nil else { throw GovernanceError.alreadyLinked(id) }
            tenant.l1 = l1
            tenant.unlinkedAt = nil
        }
    }

    /// Removes the tenant and its services and keeps a tombstone: every region
    /// crypto-shreds what it holds for it, and the id is never given again.
    public func destroyTenant(_ id: TenantID, now: Date = Date()) async throws {
        try await storage.transaction {
            guard try await self.storage.get(Self.tenantPath(id)) != nil else { throw GovernanceError.tenantNotFound(id) }
            let services = try await self.storage.list(prefix: Self.servicesPrefix(id))
            try await self.storage.write(
                [.delete(key: Self.tenantPath(id))] + services.map { .delete(key: $0) }
                    + [.put(key: Self.tombstonePath(id), value: Self.encode(["destroyedAt": now]))])
        }
    }

    private func changeTenant(_ id: TenantID, _ change: @Sendable (inout GovernanceTenant) throws -> Void) async throws -> GovernanceTenant {
        try await storage.transaction {
            var tenant = try await self.tenant(id)
            try change(&tenant)
            try await self.storage.put(Self.tenantPath(id), value: Self.encode(tenant))
            return tenant
        }
    }

    // MARK: Services

    /// A new service of `tenant`, whose keys live in `region` only.
    @discardableResult
    public func createService(_ id: ServiceID, tenant: TenantID, region: RegionID, now: Date = Date()) async throws -> GovernanceService {
        try await storage.transaction {
            _ = try await self.tenant(tenant)
            guard try await self.storage.get(Self.servicePath(tenant, id)) == nil else { throw GovernanceError.serviceAlreadyExists(tenant, id) }
            let service = GovernanceService(tenant: tenant, id: id, region: region, createdAt: now)
            try await self.storage.put(Self.servicePath(tenant, id), value: Self.encode(service))
            return service
        }
    }

    public func service(_ id: ServiceID, tenant: TenantID) async throws -> GovernanceService {
        guard let service = try await read(GovernanceService.self, at: Self.servicePath(tenant, id)) else {
            throw GovernanceError.serviceNotFound(tenant, id)
        }
        return service
    }

    /// A tenant's services, by id.
    public func services(of tenant: TenantID) async throws -> [GovernanceService] {
        var services: [GovernanceService] = []
        for path in try await storage.list(prefix: Self.servicesPrefix(tenant)) {
            if let service = try await read(GovernanceService.self, at: path) { services.append(service) }
        }
        return services.sorted { $0.id < $1.id }
    }

    public func destroyService(_ id: ServiceID, tenant: TenantID) async throws {
        try await storage.transaction {
            guard try await self.storage.get(Self.servicePath(tenant, id)) != nil else { throw GovernanceError.serviceNotFound(tenant, id) }
            try await self.storage.delete(Self.servicePath(tenant, id))
        }
    }

    // MARK: Regions

    /// What `region`'s core serves: each tenant with a service there, with
    /// those services only, all read at one store generation: the records
    /// are read again when a change committed while they were read, so a core
    /// that follows changes from the snapshot's generation misses none (an
    /// unlink, above all).
    public func snapshot(of region: RegionID) async throws -> RegionSnapshot {
        while true {
            let before = try await storage.generationFromStore()
            var entries: [RegionSnapshot.Entry] = []
            for tenant in try await tenants() {
                let here = try await services(of: tenant.id).filter { $0.region == region }
                if !here.isEmpty { entries.append(RegionSnapshot.Entry(tenant: tenant, services: here)) }
            }
            if try await storage.generationFromStore() == before {
                return RegionSnapshot(region: region, generation: before, tenants: entries)
            }
        }
    }

    // MARK: Records

    private func read<Record: Decodable>(_ type: Record.Type, at path: String) async throws -> Record? {
        guard let data = try await storage.get(path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Record.self, from: data)
        } catch {
            throw GovernanceError.recordUnreadable(key: path)
        }
    }

    private static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }
}
