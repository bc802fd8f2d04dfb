import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import OpenKCMKeystoreHTTP
import Synchronization

/// A stand-in for Azure Key Vault and Entra ID's token endpoint, following
/// their documented REST wire format (Key Vault API 7.4: `wrapkey`,
/// `unwrapkey`, get key; OAuth 2.0 client credentials), with real RSA-OAEP-256
/// behind it. It checks every request's path, query, headers and JSON body and
/// answers with the documented shapes and error bodies.
final class AzureKeyVaultFake: Sendable {
    struct Key {
        /// Version -> the RSA private key, DER (the key type itself is not Sendable).
        var versions: [String: Data]
        var current: String
        var enabled = true
    }

    let violations = WireViolations()
    let tenantID = "11111111-2222-3333-4444-555555555555"
    let clientID = "openkcm-app"
    let clientSecret = "not-a-real-secret"
    private let keys = Mutex<[String: Key]>([:])
    private let tokens = Mutex<Set<String>>([])
    let tokenRequests = Atomic<Int>(0)

    func addKey(_ name: String) throws {
        let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048).derRepresentation
        keys.withLock { $0[name] = Key(versions: ["v1": key], current: "v1") }
    }

    /// The customer rotates: a new current version; old versions still unwrap.
    func rotate(_ name: String) throws {
        let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048).derRepresentation
        keys.withLock { keys in
            let version = "v\((keys[name]?.versions.count ?? 0) + 1)"
            keys[name]?.versions[version] = key
            keys[name]?.current = version
        }
    }

    func setEnabled(_ name: String, _ enabled: Bool) { keys.withLock { $0[name]?.enabled = enabled } }
    func delete(_ name: String) { _ = keys.withLock { $0.removeValue(forKey: name) } }
    /// Every issued token stops working (expiry, revocation): the client must fetch a new one.
    func revokeTokens() { tokens.withLock { $0.removeAll() } }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, inner: String? = nil) -> Response {
        var error: [String: Any] = ["code": code, "message": message]
        if let inner { error["innererror"] = ["code": inner] }
        return jsonResponse(status, ["error": error])
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/{tenant}/oauth2/v2.0/token") { request, context -> Response in
            self.tokenRequests.add(1, ordering: .relaxed)
            let form = try await formBody(request, self.violations)
            if context.parameters.get("tenant") != self.tenantID { self.violations.record("token: tenant \(context.parameters.get("tenant") ?? "")") }
            if Set(form.keys) != ["grant_type", "client_id", "client_secret", "scope"] { self.violations.record("token: fields \(form.keys.sorted())") }
            if form["grant_type"] != "client_credentials" { self.violations.record("token: grant_type \(form["grant_type"] ?? "")") }
            if form["scope"] != "https://vault.azure.net/.default" { self.violations.record("token: scope \(form["scope"] ?? "")") }
            guard form["client_id"] == self.clientID, form["client_secret"] == self.clientSecret else {
                return jsonResponse(.unauthorized, ["error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."])
            }
            let token = "eyFake.\(UUID().uuidString)"
            self.tokens.withLock { _ = $0.insert(token) }
            return jsonResponse(.ok, ["token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token])
        }
        router.get("/keys/{name}") { request, context -> Response in
            if let refused = self.check(request) { return refused }
            let name = context.parameters.get("name") ?? ""
            guard let key = self.keys.withLock({ $0[name] }) else {
                return Self.error(.notFound, "KeyNotFound", "A key with (name/id) \(name) was not found in this key vault.")
            }
            let base = "https://fake.vault.azure.net/keys/\(name)/\(key.current)"
            return jsonResponse(.ok, [
                "key": ["kid": base, "kty": "RSA", "key_ops": ["encrypt", "decrypt", "wrapKey", "unwrapKey"], "n": "AQAB", "e": "AQAB"],
                "attributes": ["enabled": key.enabled, "created": 1_700_000_000, "updated": 1_700_000_000, "recoveryLevel": "Recoverable+Purgeable"],
            ])
        }
        router.post("/keys/{name}/{version}/{operation}") { request, context -> Response in
            if let refused = self.check(request) { return refused }
            let (name, version, operation) = (context.parameters.get("name") ?? "", context.parameters.get("version") ?? "", context.parameters.get("operation") ?? "")
            guard operation == "wrapkey" || operation == "unwrapkey" else { return Self.error(.notFound, "NotFound", "no such operation") }
            guard let body = try await jsonBody(request, self.violations) else { return Self.error(.badRequest, "BadParameter", "body") }
            if Set(body.keys) != ["alg", "value"] { self.violations.record("\(operation): body fields \(body.keys.sorted())") }
            if body["alg"] as? String != "RSA-OAEP-256" { self.violations.record("\(operation): alg \(body["alg"] ?? "missing")") }
            guard let text = body["value"] as? String, !text.contains("="), !text.contains("+"), !text.contains("/"),
                  let value = Data(base64URLEncoded: text)
            else {
                self.violations.record("\(operation): value is not unpadded base64url")
                return Self.error(.badRequest, "BadParameter", "Property value is invalid")
            }
            guard let key = self.keys.withLock({ $0[name] }), let der = key.versions[version], let rsa = try? _RSA.Encryption.PrivateKey(derRepresentation: der) else {
                return Self.error(.notFound, "KeyNotFound", "A key with (name/id) \(name)/\(version) was not found in this key vault.")
            }
            let kid = "https://fake.vault.azure.net/keys/\(name)/\(version)"
            if operation == "wrapkey" {
                // Key Vault still wraps with a disabled key (a public-key operation); it refuses unwrap.
                let wrapped = try rsa.publicKey.encrypt(value, padding: .PKCS1_OAEP_SHA256)
                return jsonResponse(.ok, ["kid": kid, "value": Data(wrapped).base64URLEncoded])
            }
            guard key.enabled else {
                return Self.error(.forbidden, "Forbidden", "Operation unwrapKey is not allowed on a disabled key.", inner: "KeyDisabled")
            }
            guard let plain = try? rsa.decrypt(value, padding: .PKCS1_OAEP_SHA256) else {
                return Self.error(.badRequest, "BadParameter", "The parameter is incorrect.")
            }
            return jsonResponse(.ok, ["kid": kid, "value": Data(plain).base64URLEncoded])
        }
        return router
    }

    /// Every vault call: `api-version=7.4` and a bearer token this fake issued.
    private func check(_ request: Request) -> Response? {
        if request.uri.queryParameters.get("api-version") != "7.4" {
            violations.record("\(request.uri.path): api-version \(request.uri.queryParameters.get("api-version") ?? "missing")")
        }
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
              tokens.withLock({ $0.contains(String(authorization.dropFirst(7))) })
        else { return Self.error(.unauthorized, "Unauthorized", "AKV10022: Invalid audience or expired token.") }
        return nil
    }
}
