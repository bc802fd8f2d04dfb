/// The platform's rotation policy, under every tenant's and service's own
/// (`[rotation]` in the configuration): on by default, every 365 days, as
/// AWS KMS's default automatic rotation.
public struct RotationDefaults: Sendable, Hashable {
    public static let standardPeriodSeconds = 365 * 86_400

    /// The period for keys whose tenant and service set none.
    public var periodSeconds: Int
    /// The period for the L2 of tenants that set none.
    public var rootPeriodSeconds: Int
    /// How long a replaced L2.1 version keeps opening data, for tenants that set none.
    public var decryptOnlySeconds: Int

    public init(
        periodSeconds: Int = Self.standardPeriodSeconds, rootPeriodSeconds: Int = Self.standardPeriodSeconds,
        decryptOnlySeconds: Int = Self.standardPeriodSeconds
    ) {
        self.periodSeconds = periodSeconds
        self.rootPeriodSeconds = rootPeriodSeconds
        self.decryptOnlySeconds = decryptOnlySeconds
    }

    /// The decrypt-only window that applies to a tenant's L2.1: its own policy's, else the platform's.
    public func decryptOnly(_ own: RotationPolicy?) -> (seconds: Int, source: RotationPolicySource) {
        if let seconds = own?.decryptOnlySeconds { return (seconds, .own) }
        return (decryptOnlySeconds, .platform)
    }

    /// The L2 period that applies to a tenant: its own policy's, else the platform's.
    public func rootPeriod(_ own: RotationPolicy?) -> (seconds: Int, source: RotationPolicySource) {
        if let seconds = own?.rootPeriodSeconds { return (seconds, .own) }
        return (rootPeriodSeconds, .platform)
    }

    /// The period that applies to a key: its own policy's, else its tenant's, else the platform's.
    public func period(_ own: RotationPolicy?, tenant: RotationPolicy? = nil) -> (seconds: Int, source: RotationPolicySource) {
        if let seconds = own?.periodSeconds { return (seconds, .own) }
        if let seconds = tenant?.periodSeconds { return (seconds, .tenant) }
        return (periodSeconds, .platform)
    }
}
