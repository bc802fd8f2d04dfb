public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOSSL
public import NIOHTTP1
public import OpenKCMCore

/// The HTTP calls the cloud keystores make: JSON or form bodies in, a status
/// and a JSON object out. A connection that cannot be made fails within 3 s and
/// surfaces as ``KeystoreError/unreachable(_:reason:)``; provider error bodies
/// are left to each provider to map.
public struct KeystoreHTTP: Sendable {
    /// An answer: the HTTP status and the body parsed as a JSON object (empty if it is not one).
    public struct Answer: @unchecked Sendable {
        public let status: UInt
        public let json: [String: Any]
        public var isSuccess: Bool { (200..<300).contains(status) }
    }

    let http: HTTPClient

    public init(http: HTTPClient = KeystoreHTTP.defaultHTTPClient) {
        self.http = http
    }

    /// The one process-wide client every keystore provider uses unless it has its own CA.
    public static let defaultHTTPClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration())

    /// Keystore calls are rare and must fail fast: 3 s to connect, 10 s to read,
    /// no retried connection attempts (an outage shows as unreachable at once).
    static func configuration(tls: TLSConfiguration? = nil) -> HTTPClient.Configuration {
        var configuration = tls.map { HTTPClient.Configuration(tlsConfiguration: $0) } ?? HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(10))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// One call. `json` is sent as `application/json`, `form` as `application/x-www-form-urlencoded`.
    public func call(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], json: [String: Any]? = nil,
                     form: [(String, String)]? = nil, reference: KeystoreReference) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])))
        } else if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncoded(form)))
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            return Answer(status: response.status.code, json: object)
        } catch {
            throw KeystoreError.unreachable(reference, reason: "\(error)")
        }
    }

    /// A JSON call with a bearer token from `tokens`. A 401 (the token expired or
    /// was revoked) fetches a new token and tries once more.
    public func authorizedCall(_ method: HTTPMethod, _ url: String, tokens: BearerTokenCache, json: [String: Any]? = nil,
                               reference: KeystoreReference) async throws -> Answer {
        let answer = try await call(method, url, headers: [("Authorization", "Bearer \(try await tokens.token())")], json: json, reference: reference)
        guard answer.status == 401 else { return answer }
        tokens.invalidate()
        return try await call(method, url, headers: [("Authorization", "Bearer \(try await tokens.token())")], json: json, reference: reference)
    }

    /// `base` without a trailing slash, so paths can be appended.
    public static func trimmed(_ base: URL) -> String {
        base.absoluteString.hasSuffix("/") ? String(base.absoluteString.dropLast()) : base.absoluteString
    }

    /// `application/x-www-form-urlencoded`, with only unreserved characters left as they are.
    public static func formEncoded(_ fields: [(String, String)]) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: unreserved) ?? name) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value)
        }.joined(separator: "&")
    }
}

extension Data {
    /// RFC 4648 section 5, without padding (JOSE and Azure Key Vault).
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url with or without padding.
    public init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}

extension KeystoreHTTP {
    /// An HTTP client that trusts only the CA certificates in `caFile` (PEM), for a
    /// provider behind a private CA. The file is read now, so a bad file fails the
    /// configuration (or the reload) instead of the first call. The caller shuts
    /// the client down when it is replaced.
    public static func client(trustingCAFile caFile: String) throws -> HTTPClient {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw KeystoreError.unreachable(KeystoreReference(provider: "tls", key: caFile), reason: "cannot read CA certificates from \(caFile): \(error)")
        }
        guard !certificates.isEmpty else {
            throw KeystoreError.unreachable(KeystoreReference(provider: "tls", key: caFile), reason: "\(caFile) holds no PEM certificate")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(certificates)
        tls.minimumTLSVersion = .tlsv12
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(tls: tls))
    }
}
