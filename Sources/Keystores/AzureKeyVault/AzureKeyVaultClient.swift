public import Foundation
public import NIOHTTP1
public import OpenKCMCore
public import OpenKCMKeystoreHTTP

/// The narrow Azure Key Vault (and Managed HSM) client OpenKCM needs: key
/// reads, wrapKey and unwrapKey (REST API 7.4), authenticated with a bearer
/// token from Microsoft Entra ID's client-credentials flow. The client secret
/// is held in memory only and never logged.
public struct AzureKeyVaultClient: Sendable {
    public static let apiVersion = "7.4"
    /// e.g. `https://contoso.vault.azure.net` or `https://contoso.managedhsm.azure.net`.
    public let vault: URL
    let tokens: BearerTokenCache
    let http: KeystoreHTTP

    public init(vault: URL, tokens: BearerTokenCache, http: KeystoreHTTP = KeystoreHTTP()) {
        self.vault = vault
        self.tokens = tokens
        self.http = http
    }

    /// Tokens from `POST {authority}/{tenant}/oauth2/v2.0/token` with a client id and secret,
    /// scoped to the vault's resource (`https://vault.azure.net/.default`, or the Managed HSM one).
    public static func clientCredentials(authority: URL = URL(string: "https://login.microsoftonline.com")!, tenantID: String,
                                         clientID: String, clientSecret: String, scope: String = "https://vault.azure.net/.default",
                                         http: KeystoreHTTP = KeystoreHTTP()) -> BearerTokenCache {
        BearerTokenCache {
            let reference = KeystoreReference(provider: "azure-keyvault", key: "token")
            let answer = try await http.call(.POST, "\(KeystoreHTTP.trimmed(authority))/\(tenantID)/oauth2/v2.0/token", form: [
                ("grant_type", "client_credentials"), ("client_id", clientID), ("client_secret", clientSecret), ("scope", scope),
            ], reference: reference)
            guard answer.isSuccess, let token = answer.json["access_token"] as? String else {
                let reason = answer.json["error_description"] as? String ?? answer.json["error"] as? String ?? "HTTP \(answer.status)"
                throw KeystoreError.accessDenied(reference, reason: "Entra ID refused the client credentials: \(reason)")
            }
            let seconds = answer.json["expires_in"] as? Int ?? Int(answer.json["expires_in"] as? String ?? "") ?? 3600
            return .init(value: token, expires: Date().addingTimeInterval(TimeInterval(seconds)))
        }
    }

    /// One call to `{vault}/keys/{path}?api-version=7.4`; Key Vault errors become ``KeystoreError``.
    public func call(_ method: HTTPMethod, keyPath: String, _ body: [String: Any]? = nil, reference: KeystoreReference) async throws -> [String: Any] {
        let url = "\(KeystoreHTTP.trimmed(vault))/keys/\(keyPath)?api-version=\(Self.apiVersion)"
        let answer = try await http.authorizedCall(method, url, tokens: tokens, json: body, reference: reference)
        guard answer.isSuccess else { throw Self.error(status: answer.status, answer.json, reference: reference) }
        return answer.json
    }

    /// Key Vault's `{"error": {"code", "message", "innererror": {"code"}}}` to OpenKCM's errors.
    static func error(status: UInt, _ object: [String: Any], reference: KeystoreReference) -> KeystoreError {
        let error = object["error"] as? [String: Any] ?? [:]
        let message = error["message"] as? String ?? "HTTP \(status)"
        let inner = ((error["innererror"] ?? error["innerError"]) as? [String: Any])?["code"] as? String
        switch (status, inner) {
        case (403, "KeyDisabled"?), (403, "KeyExpired"?), (403, "KeyNotYetValid"?): return .disabled(reference)
        case (401, _), (403, _): return .accessDenied(reference, reason: message)
        case (404, _): return .notFound(reference)
        case (429, _): return .throttled(reference)
        case (400, _): return .badCiphertext(reference)
        default: return .unreachable(reference, reason: "HTTP \(status): \(message)")
        }
    }
}
