public import OpenKCMCore

/// What a value of the identity provider's roles claim grants: the
/// governance role, over one tenant or the whole platform, or the auditor
/// role. Root and crypto identities are never granted by the provider: root
/// stays a break-glass token, and services keep their issued tokens or
/// certificates.
public struct OIDCRoleGrant: Sendable, Hashable, CustomStringConvertible {
    public let role: Role
    /// The one tenant a governance grant is scoped to; nil for a platform operator.
    public let tenant: TenantID?

    /// `governance`, `governance:<tenant>` or `auditor`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("governance", 1): (role, tenant) = (.governance, nil)
        case ("governance", 2):
            guard let scope = try? TenantID(parts[1]) else { return nil }
            (role, tenant) = (.governance, scope)
        case ("auditor", 1): (role, tenant) = (.auditor, nil)
        default: return nil
        }
    }

    public var description: String {
        tenant.map { "\(role):\($0.rawValue)" } ?? "\(role)"
    }

    /// The one grant a set of claim values adds up to: a platform governance
    /// grant over everything else, then one tenant's governance, then auditor.
    /// Governance over two different tenants cannot be one identity: nil.
    static func combined(_ grants: Set<OIDCRoleGrant>) -> OIDCRoleGrant? {
        let governance = grants.filter { $0.role == .governance }
        if let platform = governance.first(where: { $0.tenant == nil }) { return platform }
        if governance.count == 1 { return governance.first }
        if !governance.isEmpty { return nil }
        return grants.first { $0.role == .auditor }
    }
}
