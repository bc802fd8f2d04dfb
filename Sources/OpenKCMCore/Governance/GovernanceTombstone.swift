public import Foundation

/// What the governance plane keeps of a destroyed tenant: that it existed
/// (its id is never given again) and the change that destroyed it, which
/// every region's crypto-shredding is audited under.
public struct GovernanceTombstone: Sendable, Hashable, Codable {
    public var tenant: TenantID
    public var destroyedAt: Date
    /// The correlation id of the request that destroyed the tenant.
    public var change: String?

    public init(tenant: TenantID, destroyedAt: Date, change: String?) {
        self.tenant = tenant
        self.destroyedAt = destroyedAt
        self.change = change
    }
}
