import Crypto
import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import OpenKCMCore
import Synchronization

/// Makes a change safe to send again: a `POST`, `PUT` or `DELETE` that
/// carries `Idempotency-Key` (1 to 255 printable ASCII characters, chosen
/// anew per change by the client, e.g. a UUID) runs once per caller and key;
/// the same request sent again within ``lifetime``, to this node or any
/// replica on the same store, gets the first answer back (status and body)
/// with `Idempotent-Replayed: true`, without running again. Answers that
/// carried a secret (an identity's token, a client certificate's key) are
/// not kept: a replay of those says the change was applied (409
/// `request.already_applied`). The same key with another request is refused
/// (422 `request.idempotency_key_reused`); while the first is still running,
/// 409 `request.in_progress`; a first sending that never finished (its node
/// died) or failed after it started, 409 `request.outcome_unknown`. A request
/// refused before its operation started keeps nothing.
///
/// Data-key routes (wrap, unwrap, datakey, rewrap and their batches) are
/// idempotent by nature and never pay for a stored record; neither do init,
/// unseal and seal, which run before or after the store is open.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = OpenKCMRequestContext
    let operations: Operations

    public init(operations: Operations) {
        self.operations = operations
    }

    static let lifetime: TimeInterval = 24 * 3600
    static let abandonedAfter: TimeInterval = 120
    /// Answers larger than this are not kept (only their status).
    static let maximumKeptBody = 64 * 1024
    static let recordPrefix = "idempotency/"

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = request.headers[.idempotencyKey], [.post, .put, .delete].contains(request.method),
              Self.applies(to: request.uri.path)
        else { return try await next(request, context) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_idempotency_key",
                                 detail: "Idempotency-Key is 1 to 255 printable ASCII characters without spaces")
        }
        // Without an identity the route refuses anyway (and audits it); nothing to remember.
        guard let identity = context.caller.identity, !operations.core.barrier.isSealed else { return try await next(request, context) }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var digest = SHA256()
        digest.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        // A JSON body counts by what it says, not how it is written: a client that encodes it again (keys in
        // another order, other spacing) to send it again sends the same request.
        let bytes = Data(body.readableBytesView)
        if let object = try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]),
           let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) {
            digest.update(data: canonical)
        } else {
            digest.update(data: bytes)
        }
        let fingerprint = Array(digest.finalize()).hexString
        let path = Self.recordPrefix + Array(SHA256.hash(data: Data("\(identity.id)\u{0}\(key)".utf8))).hexString
        let barrier = operations.core.barrier

        // Taken, or found, in one store transaction: of two sendings at once (on two replicas), one runs.
        let found = try await barrier.transaction { () async throws -> IdempotencyRecord? in
            if let stored = try await barrier.get(path), let record = try? JSONDecoder.idempotency.decode(IdempotencyRecord.self, from: stored),
               Date().timeIntervalSince(record.createdAt) < Self.lifetime {
                return record
            }
            let running = IdempotencyRecord(request: fingerprint, state: .running, createdAt: Date())
            try await barrier.put(path, value: JSONEncoder.idempotency.encode(running))
            return nil
        }
        if let found { return try await replay(found, fingerprint: fingerprint, caller: context.caller, request: request) }

        let response: Response
        do {
            response = try await next(request, context)
        } catch let pending as ApprovalPending {
            // A request kept for approvals is an answer too: a resend gets the same pending request, not a second one.
            try? await settle(path, fingerprint: fingerprint, status: 202, caller: context.caller) { (Data(pending.body), "application/json") }
            throw pending
        } catch {
            // A refusal by the operation is an answer too: a resend gets the same one.
            let problem = ProblemDetails.from(error)
            try? await settle(path, fingerprint: fingerprint, status: problem.status, caller: context.caller) {
                (try? JSONEncoder().encode(problem)).map { ($0, "application/problem+json") }
            }
            throw error
        }
        var kept = response
        let status = Int(response.status.code)
        if (200..<300).contains(status) && !Self.answerCarriesSecret(request.uri.path) {
            let answer = try await collect(response.body)
            kept.body = ResponseBody(byteBuffer: answer)
            try? await settle(path, fingerprint: fingerprint, status: status, caller: context.caller) {
                answer.readableBytes <= Self.maximumKeptBody ? (Data(answer.readableBytesView), response.headers[.contentType]) : nil
            }
        } else {
            try? await settle(path, fingerprint: fingerprint, status: status, caller: context.caller) { nil }
        }
        return kept
    }

    /// Records how the change ended. Nothing ran (refused before the operation
    /// started: a bad body, no access, sealed): the record goes, and a resend
    /// is judged afresh. It ran: its answer is kept (a refusal from the
    /// operation too); a failure after it started is kept as unknown, since
    /// it may have been applied (an audit entry not written after the change,
    /// a commit whose answer was lost), and never run again on a resend.
    private func settle(
        _ path: String, fingerprint: String, status: Int, caller: Caller, answer: () -> (body: Data, contentType: String?)?
    ) async throws {
        let barrier = operations.core.barrier
        guard caller.started.isSet else {
            try await barrier.delete(path)
            return
        }
        var record = IdempotencyRecord(request: fingerprint, state: status >= 500 ? .unknown : .done, createdAt: Date(), status: status)
        if status < 500, let kept = answer() {
            record.body = kept.body
            record.contentType = kept.contentType
        }
        try await barrier.put(path, value: JSONEncoder.idempotency.encode(record))
    }

    /// The first answer again, or why there is none to give.
    private func replay(_ record: IdempotencyRecord, fingerprint: String, caller: Caller, request: Request) async throws -> Response {
        let refusal: ProblemDetails?
        if record.request != fingerprint {
            refusal = ProblemDetails(status: .unprocessableContent, code: "request.idempotency_key_reused",
                                     detail: "this Idempotency-Key was used for another request; choose a new key per change")
        } else if record.state == .running {
            refusal = Date().timeIntervalSince(record.createdAt) > Self.abandonedAfter
                ? ProblemDetails(status: .conflict, code: "request.outcome_unknown",
                                 detail: "the first sending of this request never finished (its node stopped): check whether it was applied before sending it again with a new key")
                : ProblemDetails(status: .conflict, code: "request.in_progress", detail: "the first sending of this request is still running; ask again shortly")
        } else if record.state == .unknown {
            refusal = ProblemDetails(status: .conflict, code: "request.outcome_unknown",
                                     detail: "the first sending of this request failed after it started (HTTP \(record.status ?? 500)): it may have been applied; check before sending it again with a new key")
        } else if record.body == nil, let status = record.status {
            refusal = (200..<300).contains(status)
                ? ProblemDetails(status: .conflict, code: "request.already_applied",
                                 detail: "this request was already answered (HTTP \(status)); its answer carried a secret and is not kept")
                : ProblemDetails(status: .conflict, code: "request.already_refused",
                                 detail: "this request was already refused (HTTP \(status)); send it with a new key to try again")
        } else {
            refusal = nil
        }
        if let refusal {
            await operations.auditUnscoped("request.replay", caller: caller, error: refusal)
            throw refusal
        }
        await operations.auditUnscoped("request.replay", caller: caller, error: nil)
        var headers: HTTPFields = [.idempotentReplayed: "true"]
        if let contentType = record.contentType { headers[.contentType] = contentType }
        return Response(status: .init(code: record.status ?? 200), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: record.body ?? Data())))
    }

    /// The answer's bytes (the routes here answer small JSON bodies).
    private func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let sink = CollectedBody()
        try await body.write(CollectingWriter(sink: sink))
        return sink.bytes.withLock { $0 }
    }

    /// Changes that keep a record: everything but the data-key routes
    /// (`/v1/tenants/T/services/S/{datakey,wrap,unwrap,rewrap}[/batch]`), the
    /// seal's own (`/v1/sys`), reads sent as POST (`/v1/audit`), and key
    /// imports (`/v1/keystores`, whose body is key material: not even its digest is kept).
    static func applies(to path: String) -> Bool {
        let segments = path.split(separator: "/")
        guard segments.first == "v1", segments.count >= 2 else { return false }
        if ["sys", "audit", "keystores"].contains(segments[1]) { return false }
        if segments.count >= 6, segments[1] == "tenants", segments[3] == "services",
           ["datakey", "wrap", "unwrap", "rewrap"].contains(segments[5]), segments.count == 6 || (segments.count == 7 && segments[6] == "batch") {
            return false
        }
        // A rewrap job's body (up to 24 MiB) is not read before the route authorizes it; sent twice, it makes two
        // jobs over the same data keys, each result valid.
        if segments.count == 6, segments[1] == "tenants", segments[3] == "services", segments[5] == "rewrap-jobs" { return false }
        return true
    }

    /// Routes whose answer holds a secret meant for the caller once: an identity's token, a client certificate's key.
    static func answerCarriesSecret(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        return segments.starts(with: ["v1", "identities"]) || segments.starts(with: ["v1", "kmip", "clients"])
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!  // safe: a constant, valid field name
    static let idempotentReplayed = Self("Idempotent-Replayed")!  // safe: a constant, valid field name
}

extension JSONEncoder {
    static var idempotency: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }
}

extension JSONDecoder {
    static var idempotency: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }
}

/// Where ``CollectingWriter`` puts what a response body writes.
private final class CollectedBody: Sendable {
    let bytes = Mutex(ByteBuffer())
}

/// A response body writer that keeps what is written, for ``IdempotencyMiddleware``.
private struct CollectingWriter: ResponseBodyWriter {
    let sink: CollectedBody

    mutating func write(_ buffer: ByteBuffer) async throws {
        sink.bytes.withLock { bytes in
            var buffer = buffer
            bytes.writeBuffer(&buffer)
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
