/// Why the governance plane refused a change or a read.
public enum GovernanceError: OpenKCMError, Equatable {
    case tenantNotFound(TenantID)
    case tenantAlreadyExists(TenantID)
    /// A destroyed tenant's id is never given again: a region still holding
    /// its keys (cut off when it was destroyed) must never serve them under a new tenant.
    case tenantDestroyed(TenantID)
    case serviceNotFound(TenantID, ServiceID)
    case serviceAlreadyExists(TenantID, ServiceID)
    /// A destroyed service's id is never given again in its tenant, for the same reason.
    case serviceDestroyed(TenantID, ServiceID)
    case alreadyLinked(TenantID)
    case notLinked(TenantID)
    /// A stored governance record that does not decode.
    case recordUnreadable(key: String)

    public var code: String {
        switch self {
        case .tenantNotFound: "governance.tenant_not_found"
        case .tenantAlreadyExists: "governance.tenant_exists"
        case .tenantDestroyed: "governance.tenant_destroyed"
        case .serviceNotFound: "governance.service_not_found"
        case .serviceAlreadyExists: "governance.service_exists"
        case .serviceDestroyed: "governance.service_destroyed"
        case .alreadyLinked: "governance.already_linked"
        case .notLinked: "governance.not_linked"
        case .recordUnreadable: "governance.record_unreadable"
        }
    }

    public var description: String {
        switch self {
        case .tenantNotFound(let tenant): "tenant '\(tenant)' does not exist"
        case .tenantAlreadyExists(let tenant): "tenant '\(tenant)' already exists"
        case .tenantDestroyed(let tenant): "tenant '\(tenant)' was destroyed; its id is never given again"
        case .serviceNotFound(let tenant, let service): "service '\(service)' of tenant '\(tenant)' does not exist"
        case .serviceAlreadyExists(let tenant, let service): "service '\(service)' of tenant '\(tenant)' already exists"
        case .serviceDestroyed(let tenant, let service): "service '\(service)' of tenant '\(tenant)' was destroyed; its id is never given again"
        case .alreadyLinked(let tenant): "tenant '\(tenant)' has an L1 linked; unlink it first"
        case .notLinked(let tenant): "tenant '\(tenant)' has no L1 linked"
        case .recordUnreadable(let key): "the governance record '\(key)' is unreadable"
        }
    }
}
