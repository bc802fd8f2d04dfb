/// An L3 rotation made in the data-key path because the current version
/// reserved all the wraps it may make: its policy's maximum wraps, or the
/// GCM nonce limit. The key chain has no audit log of its own: it hands
/// these to its observer (``KeyChain/observeBudgetRotations(_:)``), which
/// audits them as the schedule audits its rotations.
public struct ServiceKeyBudgetRotation: Sendable, Hashable {
    public var tenant: TenantID
    public var service: ServiceID
    public var from: UInt32
    public var to: UInt32
    /// The wraps the replaced version was allowed.
    public var budget: UInt64
    /// True when the limit was the service's (or tenant's) `maximumWraps`, false for the nonce limit.
    public var byPolicy: Bool

    /// The rotation as the audit log names it (its `key`).
    public var auditKey: String {
        "L3 v\(from) -> v\(to): \(budget) wraps reserved, the " + (byPolicy ? "policy's maximum wraps" : "GCM nonce limit")
    }
}
