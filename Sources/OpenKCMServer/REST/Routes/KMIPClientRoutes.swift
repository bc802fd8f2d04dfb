import Foundation
import Hummingbird
import OpenKCMCore
import OpenKCMPKI
import X509

/// `/v1/kmip/...`: registering KMIP clients (root): certificates from the
/// server's client CA, trusted external CAs and the subjects mapped at them.
struct KMIPClientRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.post("/v1/kmip/clients") { request, context in
            let body = try await JSONBody.decode(KMIPClientBody.self, from: request, context: context)
            let tenant = try TenantID(body.tenant)
            let service = try ServiceID(body.service)
            switch (body.publicKey, body.trustedCA, body.subject) {
            case (let publicKey?, nil, nil):
                let issued = try await operations.issueKMIPClientCertificate(
                    name: body.name, tenant: tenant, service: service, publicKey: publicKey, days: body.days ?? 365, caller: context.caller)
                return try JSONBody.response(
                    IssuedClientAnswer(identity: issued.identity, certificate: issued.certificate, caCertificate: issued.authority), status: .created)
            case (nil, let authority?, let subject?):
                guard body.days == nil else {
                    throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "'days' applies to issued certificates only")
                }
                let identity = try await operations.mapKMIPClientSubject(
                    name: body.name, tenant: tenant, service: service, authority: authority, subject: subject, caller: context.caller)
                return try JSONBody.response(["identity": identity], status: .created)
            default:
                throw ProblemDetails(
                    status: .badRequest, code: "request.invalid_json",
                    detail: "give either 'publicKey' (the server's CA issues a certificate) or 'trustedCA' and 'subject' (a trusted CA's certificates)")
            }
        }
        router.get("/v1/kmip/client-ca") { _, context in
            try JSONBody.response(["certificate": try await operations.kmipClientCA(caller: context.caller)])
        }
        router.post("/v1/kmip/trusted-cas") { request, context in
            let body = try await JSONBody.decode(TrustedCABody.self, from: request, context: context)
            let record = try await operations.addTrustedKMIPCA(name: body.name, certificate: body.certificate, caller: context.caller)
            return try JSONBody.response(TrustedCAView(record), status: .created)
        }
        router.get("/v1/kmip/trusted-cas") { _, context in
            try JSONBody.response(["trustedCAs": try await operations.listTrustedKMIPCAs(caller: context.caller).map(TrustedCAView.init)])
        }
        router.put("/v1/kmip/trusted-cas/:ca") { request, context in
            let body = try await JSONBody.decode(RenewTrustedCABody.self, from: request, context: context)
            let record = try await operations.renewTrustedKMIPCA(try context.parameters.require("ca"), certificate: body.certificate, caller: context.caller)
            return try JSONBody.response(TrustedCAView(record))
        }
        router.delete("/v1/kmip/trusted-cas/:ca") { _, context in
            try await operations.removeTrustedKMIPCA(try context.parameters.require("ca"), caller: context.caller)
            return JSONBody.noContent()
        }
    }
}

/// An issued client: its identity and certificate, and the CA it chains to.
struct IssuedClientAnswer: Encodable {
    var identity: IdentityView
    var certificate: String
    var caCertificate: String
}

struct TrustedCAView: Encodable {
    var id: String
    var name: String
    var subject: String
    var notAfter: Date
    var addedAt: Date
    var certificate: String

    init(_ record: KMIPTrustedAuthority) {
        id = record.id
        name = record.name
        subject = record.subject
        notAfter = record.notAfter
        addedAt = record.addedAt
        certificate = (try? Certificate.parse(derEncoded: Array(record.certificate)))?.pemString ?? ""
    }
}
