import Foundation
public import Hummingbird

/// The gateway's local REST API, the same shape as the core's data-key
/// routes, so that the SDK's `RESTDataKeySource` speaks to either: `wrap`,
/// `unwrap`, `rewrap`, `revoke`, `subjects/destroy` and `datakey` under `/v1/tenants/{tenant}/services/{service}/`
/// for the gateway's own (tenant, service), with the identity's bearer token;
/// and `GET /v1/gateway/status`.
extension Gateway {
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let prefix = "/v1/tenants/:tenant/services/:service"
        router.post("\(prefix)/wrap") { request, context in
            try await self.handle(request, context) { body in
                guard let key = body["plaintext"] as? String, Data(base64Encoded: key)?.count == 32 else {
                    throw GatewayError(status: 400, code: "request.invalid", detail: "plaintext must be a base64 32-byte key")
                }
                return ["wrapped": try await self.wrap(key, context: try Self.context(body), subject: try Self.subject(body))]
            }
        }
        router.post("\(prefix)/unwrap") { request, context in
            try await self.handle(request, context) { body in
                guard let wrapped = body["wrapped"] as? String else { throw GatewayError(status: 400, code: "request.invalid", detail: "wrapped is required") }
                return ["plaintext": try await self.unwrap(wrapped, context: try Self.context(body), subject: try Self.subject(body))]
            }
        }
        router.post("\(prefix)/rewrap") { request, context in
            try await self.handle(request, context) { body in
                guard let wrapped = body["wrapped"] as? String else { throw GatewayError(status: 400, code: "request.invalid", detail: "wrapped is required") }
                let rewrapped = try await self.rewrap(wrapped, context: try Self.context(body), subject: try Self.subject(body))
                var answer: [String: Any] = ["wrapped": rewrapped]
                // The versions, read from the blobs' headers, as the core's own rewrap answers them.
                if let version = Self.serviceKeyVersion(rewrapped) { answer["serviceKeyVersion"] = version }
                if let version = Self.serviceKeyVersion(wrapped) { answer["fromServiceKeyVersion"] = version }
                return answer
            }
        }
        // `/destroy` is the deprecated name of `/revoke` (a deny-list entry, not shredding).
        for (path, deprecated) in [("revoke", false), ("destroy", true)] {
            router.post("\(prefix)/\(path)") { request, context in
                try await self.handle(request, context) { body in
                    guard let wrapped = body["wrapped"] as? String else { throw GatewayError(status: 400, code: "request.invalid", detail: "wrapped is required") }
                    try await self.revoke(wrapped)
                    return deprecated ? ["revoked": true, "destroyed": true] : ["revoked": true]
                }
            }
        }
        router.post("\(prefix)/subjects/destroy") { request, context in
            try await self.handle(request, context) { body in
                guard let subject = try Self.subject(body) else { throw GatewayError(status: 400, code: "request.invalid", detail: "subject is required") }
                try await self.destroySubject(subject)
                return ["destroyed": true, "subject": UnwrapCache.subjectDigest(subject)]
            }
        }
        router.post("\(prefix)/datakey") { request, context in
            try await self.handle(request, context) { body in
                let made = try await self.dataKey(context: try Self.context(body), subject: try Self.subject(body))
                return ["plaintext": made.plaintext, "wrapped": made.wrapped]
            }
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: self.metrics.text())))
        }
        router.get("/v1/gateway/status") { request, _ in
            guard self.authorized(request) else { return Self.problem(GatewayError(status: 401, code: "auth.unauthenticated", detail: "a valid bearer token is required")) }
            return Self.json(200, ["tenant": self.configuration.tenant, "service": self.configuration.service,
                                   "followingEvents": self.isFollowingEvents, "cachedKeys": self.cachedKeys])
        }
        return router
    }

    private func handle(_ request: Request, _ context: BasicRequestContext,
                        _ body: ([String: Any]) async throws -> [String: Any]) async throws -> Response {
        guard authorized(request) else { return Self.problem(GatewayError(status: 401, code: "auth.unauthenticated", detail: "a valid bearer token is required")) }
        guard context.parameters.get("tenant") == configuration.tenant, context.parameters.get("service") == configuration.service else {
            return Self.problem(GatewayError(status: 404, code: "gateway.wrong_scope",
                                             detail: "this gateway serves \(configuration.tenant)/\(configuration.service) only"))
        }
        do {
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            guard let json = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
                throw GatewayError(status: 400, code: "request.invalid_json", detail: "the body must be a JSON object")
            }
            return Self.json(200, try await body(json))
        } catch let error as GatewayError {
            return Self.problem(error)
        } catch {
            return Self.problem(GatewayError(status: 500, code: "gateway.internal", detail: "internal error"))
        }
    }

    /// The identity's own token, compared in constant time.
    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.utf8.dropFirst(7))
        let expected = Array("\(configuration.token)".utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func context(_ body: [String: Any]) throws -> [String: String] {
        guard let context = body["context"] else { return [:] }
        guard let pairs = context as? [String: String] else { throw GatewayError(status: 400, code: "request.invalid_context", detail: "context must map strings to strings") }
        // The core's limits, checked here so that one oversized item never fails a whole batch.
        let size = pairs.reduce(2) { $0 + 4 + $1.key.utf8.count + $1.value.utf8.count }
        guard pairs.count <= 64, size <= 8192, pairs.allSatisfy({ (1...255).contains($0.key.utf8.count) && $0.value.utf8.count <= 1024 }) else {
            throw GatewayError(status: 400, code: "request.invalid_context",
                               detail: "at most 64 pairs, keys of 1 to 255 bytes, values up to 1024 bytes, 8192 bytes in all")
        }
        return pairs
    }

    /// The L3 version an L4 blob names in its envelope header (bytes 21 to 24,
    /// big-endian), if the text is a blob's base64.
    static func serviceKeyVersion(_ wrapped: String) -> UInt32? {
        guard let blob = Data(base64Encoded: wrapped), blob.count > 25, blob.starts(with: [0x4F, 0x4B, 0x01]) else { return nil }
        return blob.dropFirst(21).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// The optional `subject`: a string (the core judges the rest).
    static func subject(_ body: [String: Any]) throws -> String? {
        guard let value = body["subject"] else { return nil }
        guard let subject = value as? String, (1...1024).contains(subject.utf8.count) else {
            throw GatewayError(status: 400, code: "request.invalid", detail: "subject must be a string of 1 to 256 bytes")
        }
        return subject
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ error: GatewayError) -> Response {
        let object: [String: Any] = ["type": "https://openkcm.dev/problems/\(error.code)", "title": error.code, "status": error.status,
                                     "detail": error.detail, "code": error.code]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .init(code: error.status), headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
