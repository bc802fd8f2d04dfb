public import OpenKCMCore

/// A rotation policy as the governance plane holds it: what it sets, and the
/// regions whose cores apply it (due dates are each region's to say).
public struct GovernedRotationPolicyView: Encodable, Sendable {
    public var tenant: String
    public var service: String?
    /// Empty when none was set here: each region keeps its platform's defaults.
    public var policy: RotationPolicy
    public var regions: [String]
    /// Always `governance`: the answer of the plane that sets policies, not of a core that applies them.
    public var source = "governance"

    init(tenant: TenantID, service: ServiceID?, policy: RotationPolicy?, regions: [RegionID]) {
        self.tenant = tenant.rawValue
        self.service = service?.rawValue
        self.policy = policy ?? RotationPolicy()
        self.regions = Array(Set(regions.map(\.rawValue))).sorted()
    }
}
