public import Foundation

/// A service as the governance plane holds it: its tenant and the one region
/// whose core keeps its L3 and serves its data keys.
public struct GovernanceService: Sendable, Hashable, Codable {
    public var tenant: TenantID
    public var id: ServiceID
    public var region: RegionID
    public var createdAt: Date
    /// The correlation id of the request that created it.
    public var change: String?
    /// The service's rotation policy for its L3, as the governance plane sets
    /// it for the service's region; nil when it has never set one.
    public var rotationPolicy: RotationPolicy?

    public init(tenant: TenantID, id: ServiceID, region: RegionID, createdAt: Date, change: String? = nil) {
        self.tenant = tenant
        self.id = id
        self.region = region
        self.createdAt = createdAt
        self.change = change
    }
}
