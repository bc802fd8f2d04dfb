public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import OpenKCMCore
import OpenKCMKeystoreHTTP

/// The narrow AWS KMS client OpenKCM needs: signed JSON calls to
/// `TrentService.<Operation>` and the service's error types mapped to
/// ``KeystoreError``.
public struct AWSKMSClient: Sendable {
    public let endpoint: URL
    public let signer: SigV4Signer
    private let http: HTTPClient

    /// - Parameters:
    ///   - endpoint: `https://kms.<region>.amazonaws.com`, or a local emulator.
    ///   - credentials: from the environment or the configuration; never logged.
    public init(endpoint: URL, region: String, credentials: SigV4Signer.Credentials, http: HTTPClient = AWSKMSClient.defaultHTTPClient) {
        self.endpoint = endpoint
        self.signer = SigV4Signer(credentials: credentials, region: region, service: "kms")
        self.http = http
    }

    /// The keystores' shared client (``KeystoreHTTP/defaultHTTPClient``): fails fast, never retries a connection.
    public static var defaultHTTPClient: HTTPClient { KeystoreHTTP.defaultHTTPClient }

    /// Credentials and region from the usual variables: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION).
    public static func fromEnvironment(endpoint: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                                       http: HTTPClient = AWSKMSClient.defaultHTTPClient) throws -> AWSKMSClient {
        guard let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw KeystoreError.accessDenied(KeystoreReference(provider: "aws-kms", key: "*"), reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        }
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let url = endpoint ?? URL(string: "https://kms.\(region).amazonaws.com")!  // safe: built from a region string
        return AWSKMSClient(endpoint: url, region: region, credentials: .init(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]),
                            http: http)
    }

    /// Calls one KMS operation; `reference` names the key in errors.
    public func call(_ operation: String, _ body: [String: Any], reference: KeystoreReference) async throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: body)
        var headers: [(name: String, value: String)] = [
            ("Host", Self.hostHeader(endpoint)),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "TrentService.\(operation)"),
        ]
        headers += signer.signatureHeaders(method: "POST", path: "/", headers: headers, body: Array(payload), date: Date())
        // The request goes to the endpoint's root, and carries exactly the Host that was signed.
        var request = HTTPClientRequest(url: Self.rootURL(endpoint))
        request.method = .POST
        for header in headers { request.headers.add(name: header.name, value: header.value) }
        // L1 calls are rare (tenant loads, status checks): one connection each. A pooled idle
        // connection buys little here and stalls single-threaded emulators such as moto.
        request.headers.add(name: "Connection", value: "close")
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(10))
            buffer = try await response.body.collect(upTo: 1024 * 1024)
        } catch {
            throw KeystoreError.unreachable(reference, reason: "\(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
        guard response.status == .ok else { throw Self.error(status: response.status.code, object, reference: reference) }
        return object
    }

    /// The Host header for `endpoint`: IPv6 in brackets, the port only when it
    /// is not the scheme's default (what HTTP clients send, and so what AWS checks).
    static func hostHeader(_ endpoint: URL) -> String {
        var host = endpoint.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        let defaultPort = endpoint.scheme == "https" ? 443 : 80
        guard let port = endpoint.port, port != defaultPort else { return host }
        return "\(host):\(port)"
    }

    static func rootURL(_ endpoint: URL) -> String {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        components?.path = "/"
        components?.query = nil
        return components?.string ?? endpoint.absoluteString
    }

    /// KMS error types to OpenKCM's, per the AWS KMS API reference ("Errors").
    static func error(status: UInt, _ object: [String: Any], reference: KeystoreReference) -> KeystoreError {
        let type = (object["__type"] as? String).map { $0.split(separator: "#").last.map(String.init) ?? $0 } ?? ""
        let message = object["message"] as? String ?? object["Message"] as? String ?? "HTTP \(status)"
        switch type {
        case "DisabledException", "KeyUnavailableException": return .disabled(reference)
        case "KMSInvalidStateException":
            return message.lowercased().contains("pending deletion") ? .notFound(reference) : .disabled(reference)
        case "NotFoundException": return .notFound(reference)
        case "InvalidCiphertextException", "IncorrectKeyException", "InvalidKeyUsageException": return .badCiphertext(reference)
        case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
            return .accessDenied(reference, reason: type)
        case "ThrottlingException", "LimitExceededException": return .throttled(reference)
        // BYOK: the key is not EXTERNAL, holds other material, or the import token is stale.
        case "UnsupportedOperationException", "IncorrectKeyMaterialException", "InvalidImportTokenException", "ExpiredImportTokenException":
            return .importRefused(reference, reason: "\(type): \(message)")
        default: return .unreachable(reference, reason: "\(type.isEmpty ? "HTTP \(status)" : type): \(message)")
        }
    }
}
