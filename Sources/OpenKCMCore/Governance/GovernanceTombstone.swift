public import Foundation

/// What the governance plane keeps of a destroyed tenant or service: that it
/// existed (its id is never given again) and the change that destroyed it,
/// which every region's crypto-shredding is audited under. Regions shred only
/// what a tombstone names, never what is merely absent from a snapshot: a
/// governance store put back from an old backup must not shred newer keys.
public struct GovernanceTombstone: Sendable, Hashable, Codable {
    public var tenant: TenantID
    /// The destroyed service; nil when the whole tenant was destroyed.
    public var service: ServiceID?
    public var destroyedAt: Date
    /// The correlation id of the request that destroyed the tenant.
    public var change: String?
    /// The regions that held keys for it when it was destroyed: only they are
    /// told (empty for a tombstone from before regions were recorded: every region).
    public var regions: [RegionID]

    public init(tenant: TenantID, service: ServiceID? = nil, destroyedAt: Date, change: String?, regions: [RegionID] = []) {
        self.tenant = tenant
        self.service = service
        self.destroyedAt = destroyedAt
        self.change = change
        self.regions = regions
    }

    private enum CodingKeys: String, CodingKey { case tenant, service, destroyedAt, change, regions }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tenant = try container.decode(TenantID.self, forKey: .tenant)
        service = try container.decodeIfPresent(ServiceID.self, forKey: .service)
        destroyedAt = try container.decode(Date.self, forKey: .destroyedAt)
        change = try container.decodeIfPresent(String.self, forKey: .change)
        regions = try container.decodeIfPresent([RegionID].self, forKey: .regions) ?? []
    }
}
