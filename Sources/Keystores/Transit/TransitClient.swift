public import AsyncHTTPClient
public import Foundation
import NIOCore
public import NIOHTTP1
public import OpenKCMCore
import OpenKCMKeystoreHTTP

/// The narrow OpenBao / HashiCorp Vault client OpenKCM needs for the transit
/// engine: token-authenticated JSON calls, with Vault's errors mapped to
/// ``KeystoreError``. The token is held in memory only and never logged.
public struct TransitClient: Sendable {
    public let address: URL
    public let mount: String
    let token: String
    let namespace: String?
    private let http: HTTPClient

    /// - Parameters:
    ///   - address: the server, e.g. `https://vault.example.com:8200`.
    ///   - token: a token whose policy allows encrypt, decrypt and read on the
    ///     transit keys it serves, and not `create` (with `create`, encrypting
    ///     to a missing key would silently make one).
    public init(address: URL, token: String, mount: String = "transit", namespace: String? = nil, http: HTTPClient = TransitClient.defaultHTTPClient) {
        self.address = address
        self.token = token
        self.mount = mount
        self.namespace = namespace
        self.http = http
    }

    /// The keystores' shared client (``KeystoreHTTP/defaultHTTPClient``): fails fast, never retries a connection.
    public static var defaultHTTPClient: HTTPClient { KeystoreHTTP.defaultHTTPClient }

    /// One call; returns the answer's JSON object.
    public func call(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil, reference: KeystoreReference) async throws -> [String: Any] {
        let base = address.absoluteString.hasSuffix("/") ? String(address.absoluteString.dropLast()) : address.absoluteString
        var request = HTTPClientRequest(url: base + "/v1/" + path)
        request.method = method
        request.headers.add(name: "X-Vault-Token", value: token)
        if let namespace { request.headers.add(name: "X-Vault-Namespace", value: namespace) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(10))
            buffer = try await response.body.collect(upTo: 1024 * 1024)
        } catch {
            throw KeystoreError.unreachable(reference, reason: "\(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Self.error(status: response.status.code, object, reference: reference)
        }
        return object
    }

    /// Vault's errors (HTTP status plus the `errors` strings) to OpenKCM's.
    static func error(status: UInt, _ object: [String: Any], reference: KeystoreReference) -> KeystoreError {
        let message = (object["errors"] as? [String] ?? []).joined(separator: "; ")
        switch status {
        case 403: return .accessDenied(reference, reason: message.isEmpty ? "permission denied" : message)
        case 404: return .notFound(reference)
        case 429: return .throttled(reference)
        case 400 where message.contains("soft-deleted"): return .disabled(reference)
        case 400 where message.contains("not found"): return .notFound(reference)
        case 400 where message.contains("message authentication failed") || message.contains("invalid ciphertext")
            || message.contains("unable to decrypt") || message.contains("cipher"):
            return .badCiphertext(reference)
        default: return .unreachable(reference, reason: "HTTP \(status): \(message)")
        }
    }
}
