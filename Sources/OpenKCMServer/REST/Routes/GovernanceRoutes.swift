import Hummingbird
import OpenKCMCore

/// The governance plane's tenants and services (`--plane governance`): a
/// tenant is its L1 reference, a service is pinned to a region. Everything
/// under a service but itself (data keys, rotation, events) belongs to the
/// service's regional core and is refused here with `plane.not_served`,
/// except rotation policies, which are set here for every region.
struct GovernanceRoutes {
    let operations: Operations
    /// Each region's core URL (`[regions]`), for the answers that send a caller there.
    let regionAddresses: [RegionID: String]

    func register(on router: Router<OpenKCMRequestContext>) {
        router.post("/v1/tenants") { request, context in
            let body = try await JSONBody.decode(CreateTenantBody.self, from: request, context: context)
            let tenant = try await operations.governanceCreateTenant(try TenantID(body.id), l1: body.l1.reference, caller: context.caller)
            return try JSONBody.response(tenant, status: .created)
        }
        router.get("/v1/tenants") { _, context in
            try JSONBody.response(["tenants": try await operations.governanceTenants(caller: context.caller)])
        }
        router.get("/v1/tenants/:tenant") { _, context in
            let (tenant, services, regions) = try await operations.governanceTenant(try context.tenant(), caller: context.caller)
            return try JSONBody.response(GovernanceTenantView(tenant: tenant, services: services, regions: regions))
        }
        router.delete("/v1/tenants/:tenant") { _, context in
            try await operations.governanceDestroyTenant(try context.tenant(), caller: context.caller)
            return JSONBody.noContent()
        }
        router.get("/v1/tenants/:tenant/l1") { _, context in
            try JSONBody.response(try await operations.governanceL1(try context.tenant(), caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/l1") { request, context in
            let body = try await JSONBody.decode(L1Body.self, from: request, context: context)
            return try JSONBody.response(try await operations.governanceLink(try context.tenant(), l1: body.reference, caller: context.caller))
        }
        router.delete("/v1/tenants/:tenant/l1") { _, context in
            try JSONBody.response(try await operations.governanceUnlink(try context.tenant(), caller: context.caller))
        }
        router.post("/v1/tenants/:tenant/services") { request, context in
            let body = try await JSONBody.decode(CreateRegionalServiceBody.self, from: request, context: context)
            let service = try await operations.governanceCreateService(
                try ServiceID(body.id), tenant: try context.tenant(), region: try RegionID(body.region), caller: context.caller)
            return try JSONBody.response(service, status: .created)
        }
        router.get("/v1/tenants/:tenant/services") { _, context in
            try JSONBody.response(["services": try await operations.governanceServices(of: try context.tenant(), caller: context.caller)])
        }
        router.get("/v1/tenants/:tenant/services/:service") { _, context in
            try JSONBody.response(try await operations.governanceService(try context.service(), tenant: try context.tenant(), caller: context.caller))
        }
        router.delete("/v1/tenants/:tenant/services/:service") { _, context in
            try await operations.governanceDestroyService(try context.service(), tenant: try context.tenant(), caller: context.caller)
            return JSONBody.noContent()
        }
        // Rotation policies are set here and carried to each region's core with its snapshot.
        router.get("/v1/tenants/:tenant/rotation-policy") { _, context in
            try JSONBody.response(try await operations.governanceRotationPolicy(tenant: try context.tenant(), service: nil, caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/rotation-policy") { request, context in
            let body = try await JSONBody.decode(RotationPolicyBody.self, from: request, context: context)
            return try JSONBody.response(
                try await operations.governanceSetRotationPolicy(tenant: try context.tenant(), service: nil, body.policy, caller: context.caller))
        }
        router.get("/v1/tenants/:tenant/services/:service/rotation-policy") { _, context in
            try JSONBody.response(
                try await operations.governanceRotationPolicy(tenant: try context.tenant(), service: try context.service(), caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/services/:service/rotation-policy") { request, context in
            let body = try await JSONBody.decode(RotationPolicyBody.self, from: request, context: context)
            return try JSONBody.response(try await operations.governanceSetRotationPolicy(
                tenant: try context.tenant(), service: try context.service(), body.policy, caller: context.caller))
        }
        // ?after=G&wait=S: a core holding generation G waits up to S seconds (at most 60) for a change; 204 when none came.
        router.get("/v1/regions/:region/snapshot") { request, context in
            let region = try RegionID(context.parameters.require("region"))
            let query = request.uri.queryParameters
            let after = try query.get("after").map { text -> UInt64 in
                guard let value = UInt64(text) else { throw Self.badQuery("after is a generation number") }
                return value
            }
            let wait = try query.get("wait").map { text -> Int in
                guard let value = Int(text), (0...60).contains(value) else { throw Self.badQuery("wait is 0 to 60 seconds") }
                return value
            } ?? 0
            guard let snapshot = try await operations.regionSnapshot(region, after: after, wait: .seconds(wait), caller: context.caller) else {
                return Response(status: .noContent)
            }
            return try JSONBody.response(snapshot)
        }
        router.put("/v1/regions/:region/status") { request, context in
            let region = try RegionID(context.parameters.require("region"))
            try await operations.recordRegionReport(region, caller: context.caller) {
                try await JSONBody.decode(RegionReportBody.self, from: request, context: context).tenants
            }
            return JSONBody.noContent()
        }
        // Where a service's keys are: its region and that region's core. Asked by applications and gateways, which
        // hold no identity here (theirs are their region's), so it answers without one, like a bucket's region in S3:
        // the names of an existing tenant and service give their region and its address, nothing else.
        router.get("/v1/tenants/:tenant/services/:service/location") { _, context in
            let (tenant, service) = (try context.tenant(), try context.service())
            let found = try await operations.locateService(service, tenant: tenant, caller: context.caller)
            return try JSONBody.response(ServiceLocation(
                tenant: tenant.rawValue, service: service.rawValue, region: found.region.rawValue, address: regionAddresses[found.region]))
        }
        // Keys live in the regions: nothing below a service, and no key operation on a tenant, is served here.
        // Below a service, the refusal names the service's region and the URL of the same request at its core, for a
        // caller with no identity here (an application's token is its region's): a governance identity's token is
        // never invited to travel to a core.
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on(RouterPath("/v1/tenants/:tenant/services/:service/**"), method: method) { request, context -> Response in
                var problem = Self.notServed
                if context.caller.identity == nil, let tenant = try? context.tenant(), let service = try? context.service(),
                   let found = try? await operations.governance.service(service, tenant: tenant) {
                    problem.region = found.region.rawValue
                    problem.location = regionAddresses[found.region].map { Self.trimmed($0) + request.uri.path }
                }
                throw problem
            }
        }
        for path in ["/v1/tenants/:tenant/keys/**", "/v1/tenants/:tenant/l1/rewrap", "/v1/keystores/**", "/v1/kmip/**"] {
            for method in [HTTPRequest.Method.get, .post, .put, .delete] {
                router.on(RouterPath(path), method: method) { _, _ -> Response in throw Self.notServed }
            }
        }
    }

    static func trimmed(_ address: String) -> String {
        address.hasSuffix("/") ? String(address.dropLast()) : address
    }

    static func badQuery(_ detail: String) -> ProblemDetails {
        ProblemDetails(status: .badRequest, code: "request.invalid_query", detail: detail)
    }

    static let notServed = ProblemDetails(
        status: .misdirectedRequest, code: "plane.not_served",
        detail: "this is the governance plane: it holds no keys; send key operations to the service's regional core")
}

/// `GET /v1/tenants/:tenant/services/:service/location` at the governance plane.
struct ServiceLocation: Encodable {
    var tenant: String
    var service: String
    var region: String
    /// The region's core URL, when the governance plane's `[regions]` names it.
    var address: String?
}

/// `GET /v1/tenants/:tenant` at the governance plane.
struct GovernanceTenantView: Encodable {
    var tenant: GovernanceTenant
    var services: [GovernanceService]
    var regions: [RegionTenantStatus]
}
