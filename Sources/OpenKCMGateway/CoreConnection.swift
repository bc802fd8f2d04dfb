import AsyncHTTPClient
import Crypto
import DataKeyWire
import Foundation
import KMIPEngine
import NIOCore
import NIOHTTP1

/// The gateway's calls to the core: batched wrap and unwrap, and the event
/// stream, all with the crypto identity's token.
struct CoreConnection: Sendable {
    let configuration: GatewayConfiguration
    let client: HTTPClient
    /// Which replica is asked first (``GatewayConfiguration/coreURLs``).
    private let turn: CoreTurn
    private let addresses: [String]

    init(configuration: GatewayConfiguration, client: HTTPClient) {
        self.configuration = configuration
        self.client = client
        self.addresses = configuration.coreURLs
        self.turn = CoreTurn(count: addresses.count)
    }

    struct Item: Sendable {
        enum Value: Sendable {
            /// A data key to wrap: kept as a `SymmetricKey` (zeroed when released) until written into the body.
            case key(SymmetricKey)
            /// A wrapped blob to open.
            case blob([UInt8])
        }
        var value: Value
        /// The canonical EncryptionContext bytes (``DataKeyBatchWire/canonicalContext(_:)``).
        var context: [UInt8]

        /// What the item adds to a batch body.
        @Sendable static func encodedSize(_ item: Item) -> Int {
            switch item.value {
            case .key(let key): 2 + key.bitCount / 8 + item.context.count
            case .blob(let blob): 2 + blob.count + item.context.count
            }
        }
    }

    private func base(_ index: Int) -> String {
        "\(addresses[index])/v1/tenants/\(configuration.tenant)/services/\(configuration.service)"
    }

    /// Sends `request` (its URL made from a replica's address) to the replica
    /// that answered last, and on to the next while one cannot be reached, or
    /// answers 503 (sealed, or cut from its database): only for requests that
    /// are safe to send twice, or (`onlyIfNotSent`) when none may have
    /// reached a replica. The answer's body is collected up to `limit`.
    /// `request` gets the replica's URL under this gateway's service, or (`scoped: false`) its bare address.
    private func send(
        onlyIfNotSent: Bool, limit: Int, scoped: Bool = true, _ request: (String) -> HTTPClientRequest
    ) async throws -> (HTTPClientResponse, ByteBuffer) {
        guard !addresses.isEmpty else { throw GatewayError.unavailable("no core address is configured") }
        var lastError: (any Error)?
        let order = turn.order
        for (position, index) in order.enumerated() {
            let last = position == order.count - 1
            var built = request(scoped ? base(index) : addresses[index])
            do {
                let response = try await client.execute(built, timeout: .seconds(10))
                built.body = nil
                let bytes = try await response.body.collect(upTo: limit)
                if response.status == .serviceUnavailable && !last {
                    turn.move(from: index)
                    continue
                }
                return (response, bytes)
            } catch {
                built.body = nil
                lastError = error
                if last || (onlyIfNotSent && !Self.wasNotSent(error)) { throw error }
                turn.move(from: index)
            }
        }
        throw lastError ?? GatewayError.unavailable("no core address")
    }

    /// Whether `error` means the request never left: no connection could be made.
    static func wasNotSent(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        return false
    }

    /// `POST .../wrap/batch` or `.../unwrap/batch` in the binary batch form
    /// (``DataKeyBatchWire``); each item's answer (made by `read` from the
    /// core's value) or its problem. The bodies, which carry data keys, are
    /// zeroed once the call is over.
    func batch<Answer: Sendable>(
        _ operation: String, _ items: [Item], read: (ArraySlice<UInt8>) throws(GatewayError) -> Answer
    ) async -> [Result<Answer, GatewayError>] {
        let failure = { (error: GatewayError) in [Result<Answer, GatewayError>](repeating: .failure(error), count: items.count) }
        var body: [UInt8]
        do {
            body = try Self.requestBody(items)
        } catch {
            return failure(error)
        }
        var sent = ByteBuffer(bytes: body)
        body.secureZero()
        var received: ByteBuffer?
        defer {
            sent.withUnsafeMutableReadableBytes { $0.secureZero() }
            received?.withUnsafeMutableReadableBytes { $0.secureZero() }
        }
        do {
            // A wrap sent twice only leaves an unused blob, an unwrap reads: safe to send to the next replica.
            let (response, bytes) = try await send(onlyIfNotSent: false, limit: 16 << 20) { base in
                var request = HTTPClientRequest(url: "\(base)/\(operation)/batch")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: DataKeyBatchWire.mediaType)
                request.headers.add(name: "Accept", value: DataKeyBatchWire.mediaType)
                request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
                request.body = .bytes(sent)
                return request
            }
            // Only `sent` holds the request body now (each request's copy was dropped), so it is zeroed in place.
            received = bytes
            guard response.status == .ok else {
                let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
                return failure(Self.problem(json, status: Int(response.status.code)))
            }
            guard response.headers.first(name: "Content-Type") == DataKeyBatchWire.mediaType else {
                return failure(.unavailable("the core did not answer in the binary batch form"))
            }
            var answer = Array(bytes.readableBytesView)
            defer { answer.secureZero() }
            return Self.outcomes(answer, count: items.count, read: read)
        } catch {
            return failure(.unavailable("the core did not answer: \(error)"))
        }
    }

    /// A batch's request body (``DataKeyBatchWire``); it carries data keys: zero it once sent.
    static func requestBody(_ items: [Item]) throws(GatewayError) -> [UInt8] {
        do {
            var writer = try DataKeyBatchRequestWriter(count: items.count, reserving: items.reduce(0) { $0 + Item.encodedSize($1) })
            for item in items {
                switch item.value {
                case .key(let key): try key.withUnsafeBytes { bytes in try writer.append(value: bytes, context: item.context) }
                case .blob(let blob): try writer.append(value: blob, context: item.context)
                }
            }
            return writer.bytes
        } catch {
            throw GatewayError(status: 400, code: "request.invalid_batch", detail: "\(error)")
        }
    }

    /// Each item's answer from the core's answer body, or every item's failure if the body is not one for `count` items.
    static func outcomes<Answer: Sendable>(
        _ body: [UInt8], count: Int, read: (ArraySlice<UInt8>) throws(GatewayError) -> Answer
    ) -> [Result<Answer, GatewayError>] {
        let failure = { (error: GatewayError) in [Result<Answer, GatewayError>](repeating: .failure(error), count: count) }
        do {
            var answer = try DataKeyBatchAnswer(decoding: body)
            defer { answer.outcomes = [] }
            guard answer.outcomes.count == count else { return failure(.unavailable("the core's batch answer does not match the request")) }
            return answer.outcomes.map { outcome in
                switch outcome {
                case .problem(let status, let code, let detail):
                    // Passed on as the gateway's own HTTP status: only an error status is believed.
                    .failure(GatewayError(status: (400...599).contains(status) ? status : 502, code: code, detail: detail))
                case .value(let value):
                    Result { () throws(GatewayError) in try read(value) }
                }
            }
        } catch {
            return failure(.unavailable("the core's batch answer is malformed: \(error)"))
        }
    }

    /// `POST .../revoke`: one data key of this service revoked at the core.
    func revoke(_ wrapped: String) async -> Result<Void, GatewayError> {
        await json("revoke", ["wrapped": wrapped]).map { _ in () }
    }

    /// `POST .../subjects/destroy`: one subject crypto-shredded at the core.
    func destroySubject(_ subject: String) async -> Result<Void, GatewayError> {
        await json("subjects/destroy", ["subject": subject]).map { _ in () }
    }

    /// One JSON call to the core's REST API under this gateway's scope. The
    /// path subject-bound items take: the binary batch has no field for a
    /// subject, so they go one by one as JSON. Bodies and answers may carry a
    /// data key in base64; the copies this function owns are zeroed.
    /// - Parameter idempotent: safe to send to another replica after it may have reached one (a wrap, an unwrap).
    func json(_ operation: String, _ body: [String: Any], idempotent: Bool = false) async -> Result<[String: Any], GatewayError> {
        var received: ByteBuffer?
        var sent = ByteBuffer()
        defer {
            sent.withUnsafeMutableReadableBytes { $0.secureZero() }
            received?.withUnsafeMutableReadableBytes { $0.secureZero() }
        }
        do {
            var payload = try JSONSerialization.data(withJSONObject: body)
            sent = ByteBuffer(bytes: payload)
            payload.resetBytes(in: 0..<payload.count)
            // A revocation or a subject's destruction goes on to another replica only if it reached none.
            let body = sent
            let (response, bytes) = try await send(onlyIfNotSent: !idempotent, limit: 1 << 20) { base in
                var request = HTTPClientRequest(url: "\(base)/\(operation)")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
                request.body = .bytes(body)
                return request
            }
            received = bytes
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
            guard response.status == .ok else { return .failure(Self.problem(json, status: Int(response.status.code))) }
            return .success(json)
        } catch {
            return .failure(.unavailable("the core did not answer: \(error)"))
        }
    }

    /// Renews the identity's own token at whichever replica answers
    /// (`POST /v1/identities/self/renew`): its new expiry, or the core's refusal
    /// (`access.not_renewable` for a token without one).
    func renewToken() async -> Result<Date, GatewayError> {
        do {
            let (response, bytes) = try await send(onlyIfNotSent: false, limit: 1 << 16, scoped: false) { address in
                var request = HTTPClientRequest(url: "\(address)/v1/identities/self/renew")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
                return request
            }
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
            guard response.status == .ok else { return .failure(Self.problem(json, status: Int(response.status.code))) }
            guard let text = (json["identity"] as? [String: Any])?["expiresAt"] as? String,
                  let expiry = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            else { return .failure(GatewayError(status: 502, code: "gateway.bad_core_answer", detail: "the core's renewal names no expiry")) }
            return .success(expiry)
        } catch {
            return .failure(.unavailable("the core did not answer: \(error)"))
        }
    }

    static func problem(_ json: [String: Any], status: Int) -> GatewayError {
        GatewayError(status: status, code: json["code"] as? String ?? "core.http_\(status)", detail: json["detail"] as? String ?? "HTTP \(status)")
    }

    /// One event of the core's stream: its name and its `data` line (JSON, or empty).
    struct Event: Sendable {
        var name: String
        var data: String = ""
    }

    /// The core's event stream: each event as it arrives (`hello` first,
    /// `keep-alive` for the core's periodic comment). Ends when the connection does.
    func events() -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { continuation in
            // Any replica's stream carries every replica's locks and destructions; one that fails is left for the next.
            guard !addresses.isEmpty else {
                continuation.finish(throwing: GatewayError.unavailable("no core address is configured"))
                return
            }
            let index = turn.order[0]
            let task = Task {
                do {
                    var request = HTTPClientRequest(url: "\(base(index))/events")
                    request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
                    request.headers.add(name: "Accept", value: "text/event-stream")
                    let response = try await client.execute(request, timeout: .hours(24 * 365))
                    guard response.status == .ok else {
                        let bytes = try await response.body.collect(upTo: 1 << 16)
                        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
                        throw Self.problem(json, status: Int(response.status.code))
                    }
                    var pending = ""
                    for try await buffer in response.body {
                        pending += String(decoding: buffer.readableBytesView, as: UTF8.self)
                        while let end = pending.range(of: "\n\n") {
                            let message = pending[..<end.lowerBound]
                            pending = String(pending[end.upperBound...])
                            var event: Event?
                            for line in message.split(separator: "\n") {
                                if line.hasPrefix("event: ") { event = Event(name: String(line.dropFirst(7))) }
                                if line.hasPrefix("data: ") { event?.data = String(line.dropFirst(6)) }
                                // The core's comment every 15 s: the stream is alive.
                                if line.hasPrefix(":") { continuation.yield(Event(name: "keep-alive")) }
                            }
                            if let event { continuation.yield(event) }
                        }
                    }
                    turn.move(from: index)
                    continuation.finish()
                } catch {
                    turn.move(from: index)
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
