public import Foundation

/// One tenant in the compliance report: its L1, whether its kill switch is armed, and its keys.
public struct ComplianceTenant: Sendable, Codable, Equatable {
    public var tenant: String
    /// The customer's key (`provider:key`).
    public var l1: String
    /// `linked`, `unlinked` (the kill switch pulled in governance), or `locked` (the provider refused: disabled, deleted, unreachable).
    public var l1Status: String
    public var l1Reason: String?
    /// The customer can still pull the plug: the L1 is linked and answers, so disabling it at their KMS locks this tenant.
    public var killSwitchReady: Bool
    /// The tenant's L2: its generation, when the schedule replaces it, and whether that is past.
    public var rootVersion: UInt32? = nil
    public var rootDueAt: Date? = nil
    public var rootOverdue: Bool? = nil
    public var keys: [ComplianceKey]
}
