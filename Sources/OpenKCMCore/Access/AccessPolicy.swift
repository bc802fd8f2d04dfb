/// Decides whether an identity may perform an operation on a (tenant, service).
public enum AccessPolicy {
    /// The planes each role is granted.
    public static func planes(of role: Role) -> Set<Plane> {
        switch role {
        case .root: [.governance, .identities, .audit, .operator, .regions]
        case .governance: [.governance, .regions]
        case .core: [.regions]
        case .crypto: [.execution]
        case .auditor: [.audit]
        }
    }

    /// Governance operations that are not one tenant's: a platform operator's (an unscoped governance identity).
    public static let platformWide: Set<OperationKind> = [.tenantCreate, .tenantList, .l1Import]

    /// Throws unless `identity` may perform `operation` on `tenant`/`service`.
    /// A crypto identity reaches only its own (tenant, service).
    /// A core identity reaches only its own region's snapshot.
    /// A governance identity scoped to a tenant reaches only that tenant's
    /// governance operations: not another tenant's, and nothing platform-wide
    /// (creating or listing tenants, importing keys, the regions' records).
    public static func authorize(
        _ identity: Identity, _ operation: OperationKind, tenant: TenantID? = nil, service: ServiceID? = nil, region: RegionID? = nil
    ) throws(AccessError) {
        guard !identity.revoked else { throw .unauthenticated }
        // Renewing one's own token is every identity's, whatever its role.
        if operation == .identityRenew { return }
        // A rewrap job's progress is the application's and its operators': governance reads it too
        // (a scoped governance identity, its own tenant's only), to know when a compromised version may be closed.
        if operation == .rewrapJobRead, planes(of: identity.role).contains(.governance) {
            if identity.role == .governance, let scope = identity.tenant, tenant != scope { throw .outOfScope(operation: operation) }
            return
        }
        guard planes(of: identity.role).contains(operation.plane) else {
            throw .forbidden(role: identity.role, operation: operation)
        }
        if identity.role == .core {
            guard let region, identity.region == region else { throw .outOfScope(operation: operation) }
        }
        if identity.role == .crypto {
            guard let tenant, let service, identity.tenant == tenant, identity.service == service else {
                throw .outOfScope(operation: operation)
            }
        }
        if identity.role == .governance, let scope = identity.tenant {
            guard operation.plane == .governance, !platformWide.contains(operation), let tenant, tenant == scope else {
                throw .outOfScope(operation: operation)
            }
        }
    }
}
