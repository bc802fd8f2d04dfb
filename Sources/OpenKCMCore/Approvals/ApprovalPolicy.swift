/// Four-eyes for destructive and sovereignty-relevant acts (`[approvals]`):
/// such an act by one identity becomes a pending request that runs only when
/// enough other identities, each allowed to perform it, approve it.
public struct ApprovalPolicy: Sendable, Equatable {
    /// Distinct identities the act needs, the one who asks included: 1 is no
    /// approval (the default, and always in `--dev`), 2 is four-eyes.
    public var required: Int
    /// How long a request waits for its approvals before it expires.
    public var lifetime: Duration

    public init(required: Int = 1, lifetime: Duration = .seconds(3600)) {
        self.required = required
        self.lifetime = lifetime
    }

    /// The acts that wait for approvals when ``required`` is above 1. Revoking an
    /// identity is among them only for root and governance identities (the
    /// operation decides); a customer disabling their own L1 at their KMS needs
    /// no approval: it is theirs, and OpenKCM only notices it.
    public static let guarded: Set<OperationKind> = [.tenantDestroy, .serviceDestroy, .l1Unlink, .l1Link, .seal, .identityRevoke]

    public func requiresApproval(_ operation: OperationKind) -> Bool {
        required > 1 && Self.guarded.contains(operation)
    }
}
