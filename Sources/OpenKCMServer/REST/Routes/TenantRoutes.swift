import Crypto
import Foundation
import Hummingbird
import OpenKCMCore

/// `/v1/tenants`: tenants, their L1 link and their L2.1 keys (governance plane).
struct TenantRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.post("/v1/tenants") { request, context in
            let body = try await JSONBody.decode(CreateTenantBody.self, from: request, context: context)
            let tenant = try await operations.createTenant(try TenantID(body.id), l1: body.l1.reference, caller: context.caller)
            return try JSONBody.response(tenant, status: .created)
        }
        router.get("/v1/tenants") { _, context in
            try JSONBody.response(["tenants": try await operations.listTenants(caller: context.caller)])
        }
        router.get("/v1/tenants/:tenant") { _, context in
            try JSONBody.response(try await operations.showTenant(try context.tenant(), caller: context.caller))
        }
        router.delete("/v1/tenants/:tenant") { _, context in
            try await operations.destroyTenant(try context.tenant(), caller: context.caller)
            return JSONBody.noContent()
        }
        router.get("/v1/tenants/:tenant/l1") { _, context in
            try JSONBody.response(try await operations.showL1(try context.tenant(), caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/l1") { request, context in
            let body = try await JSONBody.decode(L1Body.self, from: request, context: context)
            return try JSONBody.response(try await operations.linkL1(try context.tenant(), to: body.reference, caller: context.caller))
        }
        router.delete("/v1/tenants/:tenant/l1") { _, context in
            try JSONBody.response(try await operations.unlinkL1(try context.tenant(), caller: context.caller))
        }
        router.post("/v1/tenants/:tenant/l1/rewrap") { _, context in
            try JSONBody.response(try await operations.rewrapL1(try context.tenant(), caller: context.caller))
        }
        router.post("/v1/keystores/:provider/import") { request, context in
            let body = try await JSONBody.decode(ImportKeyBody.self, from: request, context: context)
            guard let provider = context.parameters.get("provider"), !provider.isEmpty, !body.key.isEmpty else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "provider and key must not be empty")
            }
            var bytes = Array(try JSONBody.base64(body.material, field: "material"))
            defer { bytes.zeroize() }
            guard bytes.count == 32 else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "'material' must be a 256-bit key (32 bytes, base64)")
            }
            let material = SymmetricKey(data: bytes)
            try await operations.importL1Key(KeystoreReference(provider: provider, key: body.key), material: material, caller: context.caller)
            return JSONBody.noContent()
        }
        router.post("/v1/tenants/:tenant/keys/rotate") { _, context in
            try JSONBody.response(try await operations.rotateTenantKey(try context.tenant(), caller: context.caller))
        }
        router.post("/v1/tenants/:tenant/keys/rollback") { request, context in
            let body = try await JSONBody.decode(VersionBody.self, from: request, context: context)
            return try JSONBody.response(try await operations.rollbackTenantKey(try context.tenant(), to: body.version, caller: context.caller))
        }
        router.post("/v1/tenants/:tenant/keys/:version/compromise") { request, context in
            guard let version = context.parameters.get("version", as: UInt32.self) else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid_version", detail: "a key version is a positive integer")
            }
            let force = request.uri.queryParameters.get("force") == "true"
            return try JSONBody.response(
                try await operations.compromiseTenantKey(try context.tenant(), version: version, force: force, caller: context.caller))
        }
        router.put("/v1/tenants/:tenant/keys/min-decryption-version") { request, context in
            let body = try await JSONBody.decode(VersionBody.self, from: request, context: context)
            return try JSONBody.response(
                try await operations.setTenantMinimumDecryptionVersion(try context.tenant(), body.version, caller: context.caller))
        }
    }
}
