import Foundation
import Hummingbird
import NIOCore
import OpenKCMCore

/// `/v1/audit`: read and verify the audit log (auditor, root).
struct AuditRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/audit") { request, context in
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            // `last=N`: the newest N entries (what a merged view of several nodes asks each node for).
            if let last = request.uri.queryParameters.get("last", as: Int.self) {
                let count = min(max(last, 1), 1000)
                return try JSONBody.response(["entries": try await operations.readAuditTail(count, caller: context.caller)])
            }
            let from = request.uri.queryParameters.get("from", as: UInt64.self) ?? 1
            return try JSONBody.response(["entries": try await operations.readAudit(from: from, limit: limit, caller: context.caller)])
        }
        // No body: this node's own log, segment by segment. A body: a node's whole log (its segments' bytes in
        // log order), checked against that node's checkpoint in the store; any node can check any node's chain.
        router.post("/v1/audit/verify") { request, context in
            // Who may send a log is settled before up to 1 GiB is read into memory.
            try await operations.authorize(.auditVerify, caller: context.caller, tenant: nil, service: nil)
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maximumLogBytes)
            } catch is NIOTooManyBytesError {
                throw ProblemDetails(status: .contentTooLarge, code: "request.too_large",
                                     detail: "a log sent for verification may be at most 512 MiB; verify a longer one on its node")
            }
            var response: VerifyResponse
            if body.readableBytes == 0 {
                let verification = try await operations.verifyAudit(caller: context.caller)
                response = VerifyResponse(verification.result, segment: verification.segment)
                response.node = operations.core.nodeID
            } else {
                let (verification, node) = try await operations.verifyAuditLog(Data(body.readableBytesView), caller: context.caller)
                response = VerifyResponse(verification, segment: nil)
                response.node = node
            }
            response.checkpointedNodes = try await operations.checkpointedAuditNodes()
            return try JSONBody.response(response)
        }
    }

    /// A node's whole log sent for verification may be this large.
    static let maximumLogBytes = 512 << 20
}

struct VerifyResponse: Encodable {
    init(_ result: AuditVerification, segment: String?) {
        switch result {
        case .intact(let entries, let head):
            (intact, self.entries, headSequence, headHash) = (true, entries, head.sequence, head.hash)
        case .broken(let position, let sequence, let reason):
            (intact, firstBadSegment, firstBadLine, firstBadSequence, self.reason) = (false, segment, position, sequence, reason.description)
        }
    }

    var intact: Bool
    /// The node whose chain this is (its id in every entry); absent for a node with a store of its own.
    var node: String?
    /// Every node whose checkpoint the store keeps ("" for a single node's): the chains a whole-cluster check must cover.
    var checkpointedNodes: [String]?
    var entries: UInt64?
    var headSequence: UInt64?
    var headHash: String?
    /// The segment file the first bad entry is in; `firstBadLine` counts lines within it.
    var firstBadSegment: String?
    var firstBadLine: Int?
    var firstBadSequence: UInt64?
    var reason: String?
}
