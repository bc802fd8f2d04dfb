/// Four-eyes for destructive and sovereignty-relevant acts (`[approvals]`):
/// such an act by one identity becomes a pending request that runs only when
/// enough other identities, each allowed to perform it, approve it.
public struct ApprovalPolicy: Sendable, Equatable {
    /// Distinct identities the act needs, the one who asks included: 1 is no
    /// approval (the default, and always in `--dev`), 2 is four-eyes.
    public var required: Int
    /// How long a request waits for its approvals before it expires.
    public var lifetime: Duration
    /// Tenants that ask for more identities on their own acts than ``required``
    /// (`[approvals.tenants]`: a regulated customer's stricter policy). A tenant's
    /// number only ever raises the platform's: it is never a way around it.
    public var tenants: [TenantID: Int]

    public init(required: Int = 1, lifetime: Duration = .seconds(3600), tenants: [TenantID: Int] = [:]) {
        self.required = required
        self.lifetime = lifetime
        self.tenants = tenants
    }

    /// Identities an act on `tenant` needs (the platform's for acts on no tenant).
    public func required(for tenant: TenantID?) -> Int {
        max(required, tenant.flatMap { tenants[$0] } ?? 1)
    }

    /// The acts that wait for approvals when ``required`` is above 1. Revoking an
    /// identity is among them only for root and governance identities (the
    /// operation decides); a customer disabling their own L1 at their KMS needs
    /// no approval: it is theirs, and OpenKCM only notices it.
    public static let guarded: Set<OperationKind> = [
        .tenantDestroy, .serviceDestroy, .l1Unlink, .l1Link, .seal, .identityRevoke, .rekey, .barrierRotate,
    ]

    public func requiresApproval(_ operation: OperationKind, tenant: TenantID? = nil) -> Bool {
        required(for: tenant) > 1 && Self.guarded.contains(operation)
    }
}
