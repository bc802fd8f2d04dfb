public import Foundation
public import NIOHTTP1
public import OpenKCMCore
public import OpenKCMKeystoreHTTP

/// The narrow Cloud KMS client OpenKCM needs (REST v1): a CryptoKey's read,
/// encrypt and decrypt, with a bearer token from a service account.
public struct GCPKMSClient: Sendable {
    /// `https://cloudkms.googleapis.com`, or a regional or private endpoint.
    public let endpoint: URL
    let tokens: BearerTokenCache
    let http: KeystoreHTTP

    public init(endpoint: URL = URL(string: "https://cloudkms.googleapis.com")!, tokens: BearerTokenCache, http: KeystoreHTTP = KeystoreHTTP()) {
        self.endpoint = endpoint
        self.tokens = tokens
        self.http = http
    }

    /// One call to `{endpoint}/v1/{resource}{verb}`; Google's errors become ``KeystoreError``.
    public func call(_ method: HTTPMethod, _ resource: String, verb: String = "", _ body: [String: Any]? = nil,
                     reference: KeystoreReference) async throws -> [String: Any] {
        let url = "\(KeystoreHTTP.trimmed(endpoint))/v1/\(resource)\(verb)"
        let answer = try await http.authorizedCall(method, url, tokens: tokens, json: body, reference: reference)
        guard answer.isSuccess else { throw Self.error(status: answer.status, answer.json, reference: reference) }
        return answer.json
    }

    /// Google's `{"error": {"code", "message", "status"}}` to OpenKCM's errors.
    static func error(status: UInt, _ object: [String: Any], reference: KeystoreReference) -> KeystoreError {
        let error = object["error"] as? [String: Any] ?? [:]
        let message = error["message"] as? String ?? "HTTP \(status)"
        switch error["status"] as? String {
        case "PERMISSION_DENIED", "UNAUTHENTICATED": return .accessDenied(reference, reason: message)
        case "NOT_FOUND": return .notFound(reference)
        case "FAILED_PRECONDITION" where message.contains("DESTROY"): return .notFound(reference)
        case "FAILED_PRECONDITION": return .disabled(reference)
        case "INVALID_ARGUMENT": return .badCiphertext(reference)
        case "RESOURCE_EXHAUSTED": return .throttled(reference)
        default:
            switch status {
            case 401, 403: return .accessDenied(reference, reason: message)
            case 404: return .notFound(reference)
            case 429: return .throttled(reference)
            default: return .unreachable(reference, reason: "HTTP \(status): \(message)")
            }
        }
    }
}
