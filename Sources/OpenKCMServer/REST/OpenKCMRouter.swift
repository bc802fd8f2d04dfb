public import Hummingbird
public import OpenKCMCore

/// Builds the REST router: every route of `plane`, behind ``RequestSetupMiddleware``.
/// `regionAddresses` (the governance plane's `[regions]`): each region's core
/// URL, so a key operation sent to the governance plane is told where to go.
public func buildRouter(
    operations: Operations, metrics: ServerMetrics = ServerMetrics(), plane: ServerPlane = .all, regionAddresses: [RegionID: String] = [:],
    oidc: OIDCAuthenticator? = nil
) -> Router<OpenKCMRequestContext> {
    let router = Router(context: OpenKCMRequestContext.self)
    router.add(middleware: RequestSetupMiddleware(operations: operations, metrics: metrics, oidc: oidc))
    router.add(middleware: IdempotencyMiddleware(operations: operations))
    SystemRoutes(operations: operations).register(on: router)
    SealKeyRoutes(operations: operations).register(on: router)
    BackupRoutes(operations: operations).register(on: router)
    switch plane {
    case .all, .crypto:
        if plane == .crypto { router.add(middleware: GovernedRouteRefusal()) }
        TenantRoutes(operations: operations).register(on: router)
        ServiceRoutes(operations: operations).register(on: router)
        RotationPolicyRoutes(operations: operations).register(on: router)
        ReportRoutes(operations: operations).register(on: router)
        IdentityRoutes(operations: operations).register(on: router)
        KMIPClientRoutes(operations: operations).register(on: router)
        DataKeyRoutes(operations: operations).register(on: router)
        RewrapJobRoutes(operations: operations).register(on: router)
        EventRoutes(operations: operations).register(on: router)
    case .governance:
        GovernanceRoutes(operations: operations, regionAddresses: regionAddresses).register(on: router)
        IdentityRoutes(operations: operations).register(on: router)
    }
    ApprovalRoutes(operations: operations).register(on: router)
    AuditRoutes(operations: operations).register(on: router)
    DocumentRoutes(operations: operations, metrics: metrics).register(on: router)
    return router
}
