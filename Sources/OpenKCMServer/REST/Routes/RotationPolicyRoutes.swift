import Hummingbird
import OpenKCMCore

/// `.../rotation-policy`: how often a tenant's L2.1 and a service's L3 rotate on their own (``RotationScheduler``).
struct RotationPolicyRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/tenants/:tenant/rotation-policy") { _, context in
            try JSONBody.response(try await operations.rotationPolicy(tenant: try context.tenant(), service: nil, caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/rotation-policy") { request, context in
            let body = try await JSONBody.decode(RotationPolicyBody.self, from: request, context: context)
            return try JSONBody.response(try await operations.setTenantRotationPolicy(try context.tenant(), body.policy, caller: context.caller))
        }
        // A new L2 now (the schedule does it every L2 period).
        router.post("/v1/tenants/:tenant/root/rotate") { _, context in
            try JSONBody.response(try await operations.rotateRoot(try context.tenant(), caller: context.caller))
        }
        router.get("/v1/tenants/:tenant/services/:service/rotation-policy") { _, context in
            try JSONBody.response(
                try await operations.rotationPolicy(tenant: try context.tenant(), service: try context.service(), caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/services/:service/rotation-policy") { request, context in
            let body = try await JSONBody.decode(RotationPolicyBody.self, from: request, context: context)
            return try JSONBody.response(
                try await operations.setServiceRotationPolicy(try context.service(), tenant: try context.tenant(), body.policy, caller: context.caller))
        }
    }
}
