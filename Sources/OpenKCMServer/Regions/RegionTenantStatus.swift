public import Foundation

/// One region's line in `tenant show` at the governance plane.
public struct RegionTenantStatus: Sendable, Hashable, Codable {
    public var region: String
    /// `unsealed`, `locked`, `ready`, `absent` (the region does not hold it yet) or `unreachable`.
    public var state: String
    public var cause: String?
    public var reportedAt: Date?
}
