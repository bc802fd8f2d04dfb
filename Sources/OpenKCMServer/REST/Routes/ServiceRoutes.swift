import Hummingbird
import OpenKCMCore

/// `/v1/tenants/{tenant}/services`: L3 service keys (governance plane).
struct ServiceRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.post("/v1/tenants/:tenant/services") { request, context in
            let body = try await JSONBody.decode(CreateServiceBody.self, from: request, context: context)
            let service = try await operations.createService(try ServiceID(body.id), tenant: try context.tenant(), caller: context.caller)
            return try JSONBody.response(service, status: .created)
        }
        router.get("/v1/tenants/:tenant/services") { _, context in
            try JSONBody.response(["services": try await operations.listServices(tenant: try context.tenant(), caller: context.caller)])
        }
        router.get("/v1/tenants/:tenant/services/:service") { _, context in
            try JSONBody.response(try await operations.showService(try context.service(), tenant: try context.tenant(), caller: context.caller))
        }
        router.post("/v1/tenants/:tenant/services/:service/rotate") { _, context in
            try JSONBody.response(try await operations.rotateServiceKey(try context.service(), tenant: try context.tenant(), caller: context.caller))
        }
        router.post("/v1/tenants/:tenant/services/:service/deactivate") { _, context in
            try JSONBody.response(try await operations.deactivateService(try context.service(), tenant: try context.tenant(), caller: context.caller))
        }
        router.delete("/v1/tenants/:tenant/services/:service") { _, context in
            try await operations.destroyService(try context.service(), tenant: try context.tenant(), caller: context.caller)
            return JSONBody.noContent()
        }
    }
}
