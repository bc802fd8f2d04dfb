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

    public init(tenant: TenantID, service: ServiceID? = nil, destroyedAt: Date, change: String?) {
        self.tenant = tenant
        self.service = service
        self.destroyedAt = destroyedAt
        self.change = change
    }
}
