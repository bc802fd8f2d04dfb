import Hummingbird
import OpenKCMCore

/// `/v1/reports`: the rotation compliance report (root, auditor) as JSON, CSV (`?format=csv`)
/// or signed JSON (`?format=signed`), and the public key that signs it.
struct ReportRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/reports/compliance") { request, context in
            switch request.uri.queryParameters.get("format") ?? "json" {
            case "json":
                return try JSONBody.response(try await operations.complianceReport(caller: context.caller))
            case "csv":
                let csv = try await operations.complianceReport(caller: context.caller).csv
                return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: csv)))
            case "signed":
                return try JSONBody.response(try await operations.signedComplianceReport(caller: context.caller))
            default:
                throw ProblemDetails(status: .badRequest, code: "request.invalid_format", detail: "format is json, csv or signed")
            }
        }
        router.get("/v1/reports/signing-key") { _, context in
            try JSONBody.response(try await operations.reportSigningKey(caller: context.caller))
        }
    }
}
