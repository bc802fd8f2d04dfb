/// What a regional core reads from the governance plane when it connects:
/// every tenant with a service in its region, those services, and the store
/// generation it was read at (the change stream continues from there).
public struct RegionSnapshot: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var tenant: GovernanceTenant
        public var services: [GovernanceService]
    }

    public var region: RegionID
    public var generation: UInt64
    public var tenants: [Entry]
}
