import Hummingbird
import OpenKCMCore

/// `/v1/audit`: read and verify the audit log (auditor, root).
struct AuditRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/audit") { request, context in
            let from = request.uri.queryParameters.get("from", as: UInt64.self) ?? 1
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            return try JSONBody.response(["entries": try await operations.readAudit(from: from, limit: limit, caller: context.caller)])
        }
        router.post("/v1/audit/verify") { _, context in
            let verification = try await operations.verifyAudit(caller: context.caller)
            switch verification.result {
            case .intact(let entries, let head):
                return try JSONBody.response(VerifyResponse(intact: true, entries: entries, headSequence: head.sequence, headHash: head.hash))
            case .broken(let position, let sequence, let reason):
                return try JSONBody.response(VerifyResponse(
                    intact: false, firstBadSegment: verification.segment, firstBadLine: position, firstBadSequence: sequence,
                    reason: reason.description))
            }
        }
    }
}

struct VerifyResponse: Encodable {
    var intact: Bool
    var entries: UInt64?
    var headSequence: UInt64?
    var headHash: String?
    /// The segment file the first bad entry is in; `firstBadLine` counts lines within it.
    var firstBadSegment: String?
    var firstBadLine: Int?
    var firstBadSequence: UInt64?
    var reason: String?
}
