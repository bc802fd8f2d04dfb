/// What a pending request runs once it is approved: one guarded act with its arguments.
public enum ApprovalAction: Sendable, Hashable, Codable, CustomStringConvertible {
    case destroyTenant(TenantID)
    case destroyService(TenantID, ServiceID)
    case unlinkL1(TenantID)
    case linkL1(TenantID, KeystoreReference)
    case seal
    case revokeIdentity(String)
    /// Start replacing the operator shares (new N and M; custodians' PEM keys, if the new shares go out encrypted).
    case rekey(shares: Int, threshold: Int, sharePublicKeys: [String])
    /// Rotate the barrier key.
    case rotateBarrierKey

    /// The operation it is, for access checks and the audit log.
    public var operation: OperationKind {
        switch self {
        case .destroyTenant: .tenantDestroy
        case .destroyService: .serviceDestroy
        case .unlinkL1: .l1Unlink
        case .linkL1: .l1Link
        case .seal: .seal
        case .revokeIdentity: .identityRevoke
        case .rekey: .rekey
        case .rotateBarrierKey: .barrierRotate
        }
    }

    /// The tenant it acts on, if one.
    public var tenant: TenantID? {
        switch self {
        case .destroyTenant(let tenant), .destroyService(let tenant, _), .unlinkL1(let tenant), .linkL1(let tenant, _): tenant
        case .seal, .revokeIdentity, .rekey, .rotateBarrierKey: nil
        }
    }

    public var service: ServiceID? {
        if case .destroyService(_, let service) = self { return service }
        return nil
    }

    public var description: String {
        switch self {
        case .destroyTenant(let tenant): "destroy tenant \(tenant)"
        case .destroyService(let tenant, let service): "destroy service \(service) of tenant \(tenant)"
        case .unlinkL1(let tenant): "unlink the L1 of tenant \(tenant)"
        case .linkL1(let tenant, let reference): "link tenant \(tenant) to \(reference)"
        case .seal: "seal the server"
        case .revokeIdentity(let id): "revoke identity \(id)"
        case .rekey(let shares, let threshold, _): "replace the unseal shares with \(threshold) of \(shares)"
        case .rotateBarrierKey: "rotate the barrier key"
        }
    }
}
