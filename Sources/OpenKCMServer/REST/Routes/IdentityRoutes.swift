import Hummingbird
import OpenKCMCore

/// `/v1/identities`: identities and their bearer tokens (root); any identity renews its own.
struct IdentityRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.post("/v1/identities") { request, context in
            let body = try await JSONBody.decode(CreateIdentityBody.self, from: request, context: context)
            let fingerprint = try body.certificate.map { pem -> String in
                guard let fingerprint = KMIPClientCertificate.fingerprint(pem: pem) else {
                    throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "'certificate' is not a PEM X.509 certificate")
                }
                return fingerprint
            }
            let (identity, token) = try await operations.createIdentity(
                name: body.name, role: body.role,
                tenant: try body.tenant.map { try TenantID($0) },
                service: try body.service.map { try ServiceID($0) },
                certificateFingerprint: fingerprint,
                region: try body.region.map { try RegionID($0) },
                lifetimeSeconds: body.ttlSeconds,
                caller: context.caller)
            return try JSONBody.response(CreatedIdentity(identity: identity, token: token), status: .created)
        }
        // Any identity renews its own token before it expires.
        router.post("/v1/identities/self/renew") { _, context in
            try JSONBody.response(["identity": try await operations.renewIdentity(caller: context.caller)])
        }
        router.get("/v1/identities") { _, context in
            try JSONBody.response(["identities": try await operations.listIdentities(caller: context.caller)])
        }
        router.delete("/v1/identities/:identity") { _, context in
            try await operations.revokeIdentity(try context.parameters.require("identity"), caller: context.caller)
            return JSONBody.noContent()
        }
    }
}

/// The token is in this answer and nowhere else, ever.
struct CreatedIdentity: Encodable {
    var identity: IdentityView
    var token: String
}
