public import AsyncHTTPClient
public import Crypto
public import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Wraps, unwraps and revokes data keys, and destroys subjects, over
/// OpenKCM's REST API, at the core or at a gateway (`POST
/// /v1/tenants/{tenant}/services/{service}/wrap`, `/unwrap`, `/revoke`,
/// `/subjects/destroy`), with a crypto identity's bearer token. Transient failures
/// (no connection, 429, 502, 503, 504) are retried with exponential backoff
/// and jitter; a refusal (401, 403, 404, 423 locked, 400) is not.
///
/// Given several addresses (replicas of one core, or gateways), it sends to
/// the one that answered last and moves to the next on a transient failure,
/// at once, backing off only after every address failed. Every operation it
/// sends is idempotent (a wrap sent twice makes two blobs for one key, each
/// valid; revoking or destroying twice is revoking or destroying once), so
/// one that may have been applied before its connection dropped is sent again.
public struct RESTDataKeySource: DataKeySource {
    public struct Retry: Sendable {
        public var attempts: Int
        public var firstDelay: Duration
        public var maximumDelay: Duration

        public init(attempts: Int = 4, firstDelay: Duration = .milliseconds(50), maximumDelay: Duration = .seconds(2)) {
            self.attempts = max(1, attempts)
            self.firstDelay = firstDelay
            self.maximumDelay = maximumDelay
        }
    }

    /// The first address (the one given, or the first of several).
    public var baseURL: String { baseURLs[0] }
    /// Every address, in the order they are tried.
    public let baseURLs: [String]
    /// The address that answered last, so that a failed one is not tried first again.
    private let current = CurrentAddress()
    public let tenant: String
    public let service: String
    private let token: String
    private let client: HTTPClient
    public let retry: Retry
    public let timeout: Duration

    /// The client used unless another is given: pooled connections, and a
    /// 2-second connect timeout, so an unreachable OpenKCM is reported (and
    /// retried) quickly instead of after the default 10 seconds.
    public static let defaultClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// A gateway listening on a Unix domain socket (`openkcm gateway --socket PATH`).
    public init(unixSocket path: String, tenant: String, service: String, token: String, client: HTTPClient = RESTDataKeySource.defaultClient,
                retry: Retry = Retry(), timeout: Duration = .seconds(10)) {
        let host = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? path
        self.init(baseURL: "http+unix://\(host)", tenant: tenant, service: service, token: token, client: client, retry: retry, timeout: timeout)
    }

    public init(baseURL: String, tenant: String, service: String, token: String, client: HTTPClient = RESTDataKeySource.defaultClient,
                retry: Retry = Retry(), timeout: Duration = .seconds(10)) {
        self.init(baseURLs: [baseURL], tenant: tenant, service: service, token: token, client: client, retry: retry, timeout: timeout)
    }

    /// Several replicas of one core (or several gateways): `baseURLs` must not be empty.
    public init(baseURLs: [String], tenant: String, service: String, token: String, client: HTTPClient = RESTDataKeySource.defaultClient,
                retry: Retry = Retry(), timeout: Duration = .seconds(10)) {
        precondition(!baseURLs.isEmpty, "RESTDataKeySource needs at least one address")
        self.baseURLs = baseURLs.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.tenant = tenant
        self.service = service
        self.token = token
        self.client = client
        self.retry = retry
        self.timeout = timeout
    }

    private struct WrapRequest: Encodable { var plaintext: String; var context: [String: String]; var subject: String? }
    private struct WrapAnswer: Decodable { var wrapped: String }
    private struct UnwrapRequest: Encodable { var wrapped: String; var context: [String: String]; var subject: String? }
    private struct UnwrapAnswer: Decodable { var plaintext: String }
    private struct Problem: Decodable { var code: String?; var detail: String? }

    public func wrap(_ key: SymmetricKey, context: [String: String]) async throws(OpenKCMClientError) -> [UInt8] {
        try await wrap(key, context: context, subject: nil)
    }

    public func unwrap(_ wrapped: [UInt8], context: [String: String]) async throws(OpenKCMClientError) -> SymmetricKey {
        try await unwrap(wrapped, context: context, subject: nil)
    }

    public func wrap(_ key: SymmetricKey, context: [String: String], subject: String?) async throws(OpenKCMClientError) -> [UInt8] {
        let body = WrapRequest(plaintext: key.withUnsafeBytes { Data($0).base64EncodedString() }, context: context, subject: subject)
        let answer: WrapAnswer = try await call("wrap", body)
        guard let wrapped = Data(base64Encoded: answer.wrapped) else { throw .invalidResponse("wrapped is not base64") }
        return Array(wrapped)
    }

    public func unwrap(_ wrapped: [UInt8], context: [String: String], subject: String?) async throws(OpenKCMClientError) -> SymmetricKey {
        let answer: UnwrapAnswer = try await call(
            "unwrap", UnwrapRequest(wrapped: Data(wrapped).base64EncodedString(), context: context, subject: subject))
        guard var bytes = Data(base64Encoded: answer.plaintext), bytes.count == 32 else { throw .invalidResponse("plaintext is not a 32-byte key") }
        defer { bytes.resetBytes(in: 0..<bytes.count) }
        return SymmetricKey(data: bytes)
    }

    public func rewrap(_ wrapped: [UInt8], context: [String: String], subject: String?) async throws(OpenKCMClientError) -> [UInt8] {
        // Retried like a wrap: a rewrap sent twice leaves one unused blob, nothing else.
        let answer: WrapAnswer = try await call(
            "rewrap", UnwrapRequest(wrapped: Data(wrapped).base64EncodedString(), context: context, subject: subject))
        guard let rewrapped = Data(base64Encoded: answer.wrapped) else { throw .invalidResponse("wrapped is not base64") }
        return Array(rewrapped)
    }

    private struct RevokeRequest: Encodable { var wrapped: String }
    private struct RevokeAnswer: Decodable { var revoked: Bool }
    private struct SubjectRequest: Encodable { var subject: String }
    private struct SubjectAnswer: Decodable { var destroyed: Bool }

    public func revoke(_ wrapped: [UInt8]) async throws(OpenKCMClientError) {
        let answer: RevokeAnswer = try await call("revoke", RevokeRequest(wrapped: Data(wrapped).base64EncodedString()))
        guard answer.revoked else { throw .invalidResponse("the data key was not revoked") }
    }

    public func destroySubject(_ subject: String) async throws(OpenKCMClientError) {
        let answer: SubjectAnswer = try await call("subjects/destroy", SubjectRequest(subject: subject))
        guard answer.destroyed else { throw .invalidResponse("the subject was not destroyed") }
    }

    /// Renews this source's token at the core (`POST /v1/identities/self/renew`):
    /// a service's token lives 90 days unless made otherwise, and this moves its
    /// end to a full lifetime from now. Returns the new expiry. Only against the
    /// core: a gateway renews its own token (the one its local clients present) by itself.
    public func renewToken() async throws(OpenKCMClientError) -> Date {
        let answer: RenewAnswer = try await call(path: "/v1/identities/self/renew", Empty())
        guard let text = answer.identity.expiresAt,
              let expiry = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        else { throw .invalidResponse("the renewal names no expiry") }
        return expiry
    }

    /// Renews the token whenever half of what is left of it has passed, until
    /// cancelled (run it in a task beside the application). Gives up, returning
    /// the refusal, when the core refuses (a token without expiry, revoked or
    /// already expired); an unreachable core is tried again every 30 seconds.
    public func keepTokenRenewed() async -> OpenKCMClientError? {
        while !Task.isCancelled {
            do {
                let expiry = try await renewToken()
                let half = Int64(expiry.timeIntervalSinceNow * 500)
                try? await Task.sleep(for: max(.seconds(30), .milliseconds(half)))
            } catch let error where error.isTransient {
                try? await Task.sleep(for: .seconds(30))
            } catch {
                return error
            }
        }
        return nil
    }

    private struct Empty: Encodable {}

    private struct RenewAnswer: Decodable {
        struct Identity: Decodable { var expiresAt: String? }
        var identity: Identity
    }

    private func call<Body: Encodable, Answer: Decodable>(_ operation: String, _ body: Body) async throws(OpenKCMClientError) -> Answer {
        try await call(path: "/v1/tenants/\(Self.escape(tenant))/services/\(Self.escape(service))/\(operation)", body)
    }

    private func call<Body: Encodable, Answer: Decodable>(path: String, _ body: Body) async throws(OpenKCMClientError) -> Answer {
        let payload: Data
        do { payload = try JSONEncoder().encode(body) } catch { throw .invalidContext("not encodable") }
        var delay = retry.firstDelay
        var attempt = 1
        // Each address gets its turn within the retry budget: with three replicas, one down costs one attempt.
        let attempts = baseURLs.count > 1 ? max(retry.attempts, baseURLs.count + 1) : retry.attempts
        var failedInARow = 0
        while true {
            let turn = current.turn
            let index = turn % baseURLs.count
            do {
                let answer: Answer = try await send(baseURLs[index] + path, payload)
                return answer
            } catch where error.isTransient && attempt < attempts {
                attempt += 1
                failedInARow += 1
                current.move(from: turn)
                // Back off (full jitter, spreading many clients' retries) once every address has failed.
                if failedInARow >= baseURLs.count {
                    failedInARow = 0
                    try? await Task.sleep(for: delay * Double.random(in: 0...1))
                    delay = min(delay * 2, retry.maximumDelay)
                }
            }
        }
    }

    private func send<Answer: Decodable>(_ url: String, _ payload: Data) async throws(OpenKCMClientError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(bytes: payload))
        let timeout = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        return try await Self.exchange(request, client: client, timeout: timeout, limit: 1 << 20)
    }

    /// One request: a 200's JSON as `Answer`, a problem+json as ``OpenKCMClientError/refused(code:status:detail:)``,
    /// no answer as ``OpenKCMClientError/unavailable(_:)``.
    static func exchange<Answer: Decodable>(
        _ request: HTTPClientRequest, client: HTTPClient, timeout: TimeAmount, limit: Int
    ) async throws(OpenKCMClientError) -> Answer {
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: limit)
        } catch {
            throw .unavailable("\(error)")
        }
        guard status == 200 else {
            let problem = try? JSONDecoder().decode(Problem.self, from: Data(bytes.readableBytesView))
            throw .refused(code: problem?.code ?? "http.\(status)", status: status, detail: problem?.detail ?? "HTTP \(status)")
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(bytes.readableBytesView))
        } catch {
            throw .invalidResponse("the answer is not the expected JSON")
        }
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }
}

/// Which of several addresses to try first: the one that answered last
/// (the turn modulo the number of addresses).
private final class CurrentAddress: Sendable {
    private let value = Atomic<Int>(0)

    var turn: Int { value.load(ordering: .relaxed) }

    /// The address of `failed` did not answer: the next one is tried first
    /// from now on (unless another caller moved on already).
    func move(from failed: Int) {
        _ = value.compareExchange(expected: failed, desired: (failed &+ 1) & Int.max, ordering: .relaxed)
    }
}

extension RESTDataKeySource {
    /// Where a service's keys are, as the governance plane says: its region
    /// and, when the governance plane names it, that region's core URL.
    public struct Location: Sendable, Decodable, Hashable {
        public var region: String
        public var address: String?
    }

    /// Asks the governance plane at `governance` where `service` of `tenant`
    /// lives (`GET .../location`, no identity needed there).
    public static func locate(
        governance: String, tenant: String, service: String, client: HTTPClient = RESTDataKeySource.defaultClient
    ) async throws(OpenKCMClientError) -> Location {
        let base = governance.hasSuffix("/") ? String(governance.dropLast()) : governance
        guard Self.isSafeAddress(base) else { throw .invalidContext("the governance plane's address must be https (http only on loopback): \(base)") }
        let request = HTTPClientRequest(url: "\(base)/v1/tenants/\(escape(tenant))/services/\(escape(service))/location")
        return try await exchange(request, client: client, timeout: .seconds(10), limit: 64 << 10)
    }

    /// https, or http to a loopback host only: a token and keys travel on it.
    static func isSafeAddress(_ address: String) -> Bool {
        guard let url = URL(string: address), let host = url.host else { return false }
        return url.scheme == "https" || (url.scheme == "http" && ["127.0.0.1", "::1", "localhost"].contains(host))
    }

    /// A source for `service` at the core of its region, found through the
    /// governance plane; `token` is a crypto identity of that region's core.
    public init(governance: String, tenant: String, service: String, token: String, client: HTTPClient = RESTDataKeySource.defaultClient,
                retry: Retry = Retry(), timeout: Duration = .seconds(10)) async throws(OpenKCMClientError) {
        let location = try await Self.locate(governance: governance, tenant: tenant, service: service, client: client)
        guard let address = location.address else {
            throw .refused(code: "governance.region_address_unknown", status: 404,
                           detail: "the governance plane places the service in region \(location.region) but names no address for its core")
        }
        // The token and every key wrapped go there: https only (http on loopback).
        guard Self.isSafeAddress(address) else { throw .invalidResponse("the region's core address is not https: \(address)") }
        self.init(baseURL: address, tenant: tenant, service: service, token: token, client: client, retry: retry, timeout: timeout)
    }
}
