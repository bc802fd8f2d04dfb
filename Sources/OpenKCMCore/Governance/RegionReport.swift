public import Foundation

/// What a regional core tells the governance plane about its tenants at each
/// heartbeat, so `tenant show` there lists, per region, whether the tenant is
/// unsealed, locked or ready (and a region that stopped reporting as unreachable).
public struct RegionReport: Sendable, Hashable, Codable {
    /// One tenant's state in the reporting region.
    public struct TenantState: Sendable, Hashable, Codable {
        /// `unsealed` (its L2 in memory), `locked`, or `ready` (held, not opened since the core started).
        public var state: String
        /// Why it is locked: `unlinked`, `provider`, `ungoverned` or `manual`.
        public var cause: String?

        public init(state: String, cause: String? = nil) {
            self.state = state
            self.cause = cause
        }
    }

    public var region: RegionID
    public var tenants: [String: TenantState]

    public init(region: RegionID, tenants: [String: TenantState]) {
        self.region = region
        self.tenants = tenants
    }
}
