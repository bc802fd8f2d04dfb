public import Foundation

/// A service as the governance plane holds it: its tenant and the one region
/// whose core keeps its L3 and serves its data keys.
public struct GovernanceService: Sendable, Hashable, Codable {
    public var tenant: TenantID
    public var id: ServiceID
    public var region: RegionID
    public var createdAt: Date

    public init(tenant: TenantID, id: ServiceID, region: RegionID, createdAt: Date) {
        self.tenant = tenant
        self.id = id
        self.region = region
        self.createdAt = createdAt
    }
}
