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
    static func serviceTombstonesPrefix(_ tenant: TenantID) -> String { "governance/destroyed-services/\(tenant)/" }
    static func serviceTombstonePath(_ tenant: TenantID, _ service: ServiceID) -> String { serviceTombstonesPrefix(tenant) + service.rawValue }
    /// Counts the governance plane's changes: every change moves it in the
    /// same transaction. The store's own generation would not do: it also
    /// moves with audit checkpoints and identities, which a region ignores.
    static let generationPath = "governance/generation"
    /// A random id made once per governance store: a regional core follows
    /// one governance plane, and refuses another's snapshots (another
    /// deployment's tombstones must never shred its keys).
    static let identityPath = "governance/id"

    // MARK: Tenants

    /// A new tenant whose root key is `l1` at the customer's KMS.
    @discardableResult
    public func createTenant(_ id: TenantID, l1: KeystoreReference, change: String? = nil, now: Date = Date()) async throws -> GovernanceTenant {
        try await storage.transaction {
            if try await self.storage.get(Self.tombstonePath(id)) != nil { throw GovernanceError.tenantDestroyed(id) }
            guard try await self.storage.get(Self.tenantPath(id)) == nil else { throw GovernanceError.tenantAlreadyExists(id) }
            let tenant = GovernanceTenant(id: id, l1: l1, createdAt: now, change: change)
            try await self.advance()
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
    public func unlink(_ id: TenantID, change: String? = nil, now: Date = Date()) async throws -> GovernanceTenant {
        try await changeTenant(id, change: change) { tenant in
            guard tenant.l1 != nil else { throw GovernanceError.notLinked(id) }
            tenant.l1 = nil
            tenant.unlinkedAt = now
            tenant.l1Change = change
        }
    }

    /// Points an unlinked tenant at its L1 again.
    @discardableResult
    public func link(_ id: TenantID, l1: KeystoreReference, change: String? = nil) async throws -> GovernanceTenant {
        try await changeTenant(id, change: change) { tenant in
            guard tenant.l1 == nil else { throw GovernanceError.alreadyLinked(id) }
            tenant.l1 = l1
            tenant.unlinkedAt = nil
            tenant.l1Change = change
        }
    }

    /// Sets the tenant's rotation policy for every region that holds it
    /// (an empty policy: the platform's defaults in each region).
    @discardableResult
    public func setRotationPolicy(_ id: TenantID, _ policy: RotationPolicy, change: String? = nil) async throws -> GovernanceTenant {
        let checked = try policy.validated()
        return try await changeTenant(id, change: change) { tenant in tenant.rotationPolicy = checked }
    }

    /// Removes the tenant and its services and keeps a tombstone: every region
    /// crypto-shreds what it holds for it, and the id is never given again.
    public func destroyTenant(_ id: TenantID, change: String? = nil, now: Date = Date()) async throws {
        try await storage.transaction {
            guard try await self.storage.get(Self.tenantPath(id)) != nil else { throw GovernanceError.tenantNotFound(id) }
            let services = try await self.services(of: id)
            // Every region that ever held its keys: those of its live services and of its destroyed ones.
            var shredded: [RegionID] = []
            for path in try await self.storage.list(prefix: Self.serviceTombstonesPrefix(id)) {
                shredded += try await self.readTombstone(at: path)?.regions ?? []
            }
            let regions = Array(Set(services.map(\.region) + shredded)).sorted()
            try await self.advance()
            let tombstone = GovernanceTombstone(tenant: id, destroyedAt: now, change: change, regions: regions)
            try await self.storage.write(
                [.delete(key: Self.tenantPath(id))] + services.map { .delete(key: Self.servicePath(id, $0.id)) }
                    + [.put(key: Self.tombstonePath(id), value: Self.encode(tombstone))])
        }
    }

    private func changeTenant(
        _ id: TenantID, change: String?, _ edit: @Sendable (inout GovernanceTenant) throws -> Void = { _ in }
    ) async throws -> GovernanceTenant {
        try await storage.transaction {
            var tenant = try await self.tenant(id)
            try edit(&tenant)
            tenant.change = change
            try await self.advance()
            try await self.storage.put(Self.tenantPath(id), value: Self.encode(tenant))
            return tenant
        }
    }

    // MARK: Services

    /// A new service of `tenant`, whose keys live in `region` only.
    @discardableResult
    public func createService(
        _ id: ServiceID, tenant: TenantID, region: RegionID, change: String? = nil, now: Date = Date()
    ) async throws -> GovernanceService {
        try await storage.transaction {
            guard try await self.storage.get(Self.servicePath(tenant, id)) == nil else {
                _ = try await self.tenant(tenant)
                throw GovernanceError.serviceAlreadyExists(tenant, id)
            }
            if try await self.storage.get(Self.serviceTombstonePath(tenant, id)) != nil { throw GovernanceError.serviceDestroyed(tenant, id) }
            // The tenant record names the change too: it is what a region reads the change id from.
            _ = try await self.changeTenant(tenant, change: change)
            let service = GovernanceService(tenant: tenant, id: id, region: region, createdAt: now, change: change)
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

    /// Sets a service's rotation policy for its L3, carried to its region
    /// (an empty policy: the tenant's, then the platform's).
    @discardableResult
    public func setRotationPolicy(_ id: ServiceID, tenant: TenantID, _ policy: RotationPolicy, change: String? = nil) async throws -> GovernanceService {
        let checked = try policy.validatedForService()
        return try await storage.transaction {
            var service = try await self.service(id, tenant: tenant)
            service.rotationPolicy = checked
            // The tenant record names the change and moves the generation: regions read both from it.
            _ = try await self.changeTenant(tenant, change: change)
            try await self.storage.put(Self.servicePath(tenant, id), value: Self.encode(service))
            return service
        }
    }

    public func destroyService(_ id: ServiceID, tenant: TenantID, change: String? = nil, now: Date = Date()) async throws {
        try await storage.transaction {
            let service = try await self.service(id, tenant: tenant)
            _ = try await self.changeTenant(tenant, change: change)
            let tombstone = GovernanceTombstone(tenant: tenant, service: id, destroyedAt: now, change: change, regions: [service.region])
            try await self.storage.write([
                .delete(key: Self.servicePath(tenant, id)),
                .put(key: Self.serviceTombstonePath(tenant, id), value: Self.encode(tombstone)),
            ])
        }
    }

    /// Every destroyed tenant, then every destroyed service.
    public func tombstones() async throws -> [GovernanceTombstone] {
        var tombstones: [GovernanceTombstone] = []
        for prefix in ["governance/destroyed/", "governance/destroyed-services/"] {
            for path in try await storage.list(prefix: prefix) {
                if let tombstone = try await readTombstone(at: path) { tombstones.append(tombstone) }
            }
        }
        return tombstones.sorted { ($0.tenant, $0.service?.rawValue ?? "") < ($1.tenant, $1.service?.rawValue ?? "") }
    }

    // MARK: Regions

    /// This governance store's id, made at its first use.
    public func identity() async throws -> String {
        try await storage.transaction {
            if let data = try await self.storage.get(Self.identityPath) { return String(decoding: data, as: UTF8.self) }
            let id = RandomUUID.make()
            try await self.storage.put(Self.identityPath, value: Data(id.utf8))
            return id
        }
    }

    /// The number of changes made so far (0 for none).
    public func generation() async throws -> UInt64 {
        guard let data = try await storage.get(Self.generationPath) else { return 0 }
        guard let value = UInt64(String(decoding: data, as: UTF8.self)) else { throw GovernanceError.recordUnreadable(key: Self.generationPath) }
        return value
    }

    /// Moves the generation on; call inside the change's transaction.
    private func advance() async throws {
        try await storage.put(Self.generationPath, value: Data(String(try await generation() + 1).utf8))
    }

    /// What `region`'s core serves: each tenant with a service there (with
    /// all its services, so the core can name the region of one it does not
    /// hold) and the destroyed tenants, all read at one governance generation:
    /// the records are read again when a change committed while they were
    /// read, so a core that follows changes from the snapshot's generation
    /// misses none (an unlink, above all).
    public func snapshot(of region: RegionID) async throws -> RegionSnapshot {
        let identity = try await identity()
        while true {
            let before = try await generation()
            var entries: [RegionSnapshot.Entry] = []
            for tenant in try await tenants() {
                let services = try await services(of: tenant.id)
                if services.contains(where: { $0.region == region }) { entries.append(RegionSnapshot.Entry(tenant: tenant, services: services)) }
            }
            // Only what this region held: other regions' tombstones are none of its business.
            let destroyed = try await tombstones().filter { $0.regions.isEmpty || $0.regions.contains(region) }
            if try await generation() == before {
                return RegionSnapshot(governance: identity, region: region, generation: before, tenants: entries, destroyed: destroyed)
            }
        }
    }

    // MARK: Records

    /// A tombstone; one written before tombstones named their tenant (`{"destroyedAt": ...}`) takes it from its path.
    private func readTombstone(at path: String) async throws -> GovernanceTombstone? {
        if let tombstone = try? await read(GovernanceTombstone.self, at: path) { return tombstone }
        guard let legacy = try await read([String: Date].self, at: path), let destroyedAt = legacy["destroyedAt"],
              path.hasPrefix("governance/destroyed/"), let tenant = try? TenantID(String(path.dropFirst("governance/destroyed/".count)))
        else { throw GovernanceError.recordUnreadable(key: path) }
        return GovernanceTombstone(tenant: tenant, destroyedAt: destroyedAt, change: nil)
    }

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
