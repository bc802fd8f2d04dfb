public import Foundation

/// A rotation the schedule made: which key, its new version, and the policy that made it due (for the audit log).
public struct ScheduledRotation: Sendable, Hashable {
    public var layer: EnvelopeLayer
    public var tenant: TenantID
    public var service: ServiceID?
    /// The version that replaced the due one.
    public var version: UInt32
    public var periodSeconds: Int
    public var source: RotationPolicySource
    /// When the replaced version was due.
    public var dueAt: Date

    /// What the audit entry's key says: `L3 v2 (period 86400 s, service policy)`.
    public var auditKey: String {
        "\(layer) v\(version) (period \(periodSeconds) s, \(source.rawValue) policy)"
    }
}
