/// What a regional core reads from the governance plane: every tenant with a
/// service in its region (with all that tenant's services, each naming its
/// region, so the core can say where one it does not hold lives), the
/// destroyed tenants and services, and the governance generation it was read at (a core asks
/// for the next snapshot after that generation).
public struct RegionSnapshot: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var tenant: GovernanceTenant
        public var services: [GovernanceService]

        public init(tenant: GovernanceTenant, services: [GovernanceService]) {
            self.tenant = tenant
            self.services = services
        }
    }

    /// The governance store's id (``GovernanceDirectory/identity()``): a core follows one.
    public var governance: String
    public var region: RegionID
    public var generation: UInt64
    public var tenants: [Entry]
    public var destroyed: [GovernanceTombstone]

    public init(governance: String, region: RegionID, generation: UInt64, tenants: [Entry], destroyed: [GovernanceTombstone]) {
        self.governance = governance
        self.region = region
        self.generation = generation
        self.tenants = tenants
        self.destroyed = destroyed
    }
}
