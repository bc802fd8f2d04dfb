/// Which policy set a key's rotation period: what the audit entry of a scheduled rotation names.
public enum RotationPolicySource: String, Sendable, Hashable, Codable {
    /// The key's own: the service's for an L3, the tenant's for an L2.1.
    case own
    /// The tenant's, inherited by a service that sets none.
    case tenant
    /// The platform's `[rotation]` default.
    case platform
}
