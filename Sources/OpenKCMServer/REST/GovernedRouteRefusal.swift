import Hummingbird

/// At a regional core (`--plane crypto`): creating or destroying a tenant or
/// a service, linking or unlinking an L1 and setting rotation policies are the governance plane's
/// decisions, which the core follows (``GovernanceFollower``); asked here,
/// they are refused with 421 `plane.governed` (and audited, as every refusal).
struct GovernedRouteRefusal<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isGoverned(request.method, request.uri.path) { throw Self.refusal }
        return try await next(request, context)
    }

    static func isGoverned(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count >= 2, segments[0] == "v1", segments[1] == "tenants" else { return false }
        switch (method, segments.count) {
        case (.post, 2), (.delete, 3): return true
        case (.put, 4): return segments[3] == "l1" || segments[3] == "rotation-policy"
        case (.delete, 4): return segments[3] == "l1"
        case (.put, 6): return segments[3] == "services" && segments[5] == "rotation-policy"
        case (.post, 4): return segments[3] == "services"
        case (.delete, 5): return segments[3] == "services"
        default: return false
        }
    }

    static var refusal: ProblemDetails {
        ProblemDetails(
            status: .misdirectedRequest, code: "plane.governed",
            detail: "this is a regional core: tenants, services, L1 links and rotation policies are changed at the governance plane, which this core follows")
    }
}
