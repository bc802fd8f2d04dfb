public import Foundation
public import OpenKCMCore

/// A key's rotation policy as the API shows it: what its owner set, the
/// period that applies and where it comes from, and when the current version is due.
public struct RotationPolicyView: Sendable, Codable, Equatable {
    public var tenant: String
    public var service: String?
    /// What the tenant or service set itself (empty: nothing, it inherits).
    public var policy: RotationPolicy
    /// The period that applies, and whose it is (own, tenant, platform).
    public var periodSeconds: Int
    public var source: RotationPolicySource
    public var currentVersion: UInt32
    public var currentCreatedAt: Date?
    /// When the current version will be replaced; absent when it cannot be (a retired service).
    public var dueAt: Date?
    /// A tenant's L2: its generation, the period that applies and whose, and when it is due.
    public var rootVersion: UInt32?
    public var rootPeriodSeconds: Int?
    public var rootSource: RotationPolicySource?
    public var rootDueAt: Date?
    /// A tenant's decrypt-only window for replaced L2.1 versions, and whose it is.
    public var decryptOnlySeconds: Int?
    public var decryptOnlySource: RotationPolicySource?
    /// Wraps per L3 version before it is replaced (the service's policy, else the tenant's; nil: the nonce budget alone).
    public var maximumWraps: UInt64?

    init(tenant: String, service: String?, policy: RotationPolicy, periodSeconds: Int, source: RotationPolicySource, ring: KeyRing, dueAt: Date?) {
        self.tenant = tenant
        self.service = service
        self.policy = policy
        self.periodSeconds = periodSeconds
        self.source = source
        self.currentVersion = ring.currentVersion
        self.currentCreatedAt = ring.version(ring.currentVersion)?.createdAt
        self.dueAt = dueAt
    }
}
