import CryptoExtras
public import Foundation
import NIOHTTP1
import OpenKCMCore
public import OpenKCMKeystoreHTTP

/// A Google service account key file (`"type": "service_account"`): OpenKCM
/// signs a JWT with its private key (RS256) and trades it at `token_uri` for an
/// access token scoped to Cloud KMS (RFC 7523). The key stays in memory only.
public struct GCPServiceAccount: Sendable {
    public let clientEmail: String
    public let tokenURI: URL
    let privateKeyID: String?
    let privateKey: _RSA.Signing.PrivateKey

    public static let scope = "https://www.googleapis.com/auth/cloudkms"

    /// Reads the JSON key file's `client_email`, `private_key` (PEM), `private_key_id` and `token_uri`.
    public init(json: Data) throws {
        let reference = KeystoreReference(provider: "gcp-kms", key: "credentials")
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              object["type"] as? String == "service_account",
              let email = object["client_email"] as? String, let pem = object["private_key"] as? String
        else { throw KeystoreError.accessDenied(reference, reason: "the credentials file is not a service account key") }
        guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) else {
            throw KeystoreError.accessDenied(reference, reason: "the service account's private_key is not an RSA key in PEM")
        }
        self.clientEmail = email
        self.privateKey = key
        self.privateKeyID = object["private_key_id"] as? String
        self.tokenURI = (object["token_uri"] as? String).flatMap(URL.init(string:)) ?? URL(string: "https://oauth2.googleapis.com/token")!
    }

    /// The signed assertion: header and claims as base64url JSON, RS256 over both.
    func assertion(now: Date = Date()) throws -> String {
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if let privateKeyID { header["kid"] = privateKeyID }
        let issued = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = ["iss": clientEmail, "scope": Self.scope, "aud": tokenURI.absoluteString, "iat": issued, "exp": issued + 3600]
        let signingInput = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]).base64URLEncoded + "."
            + JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]).base64URLEncoded
        // RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3).
        let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + signature.rawRepresentation.base64URLEncoded
    }

    /// Access tokens for this account, fetched and refreshed as needed.
    public func tokens(http: KeystoreHTTP = KeystoreHTTP()) -> BearerTokenCache {
        BearerTokenCache {
            let reference = KeystoreReference(provider: "gcp-kms", key: "token")
            let answer = try await http.call(.POST, tokenURI.absoluteString, form: [
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", try assertion()),
            ], reference: reference)
            guard answer.isSuccess, let token = answer.json["access_token"] as? String else {
                let reason = answer.json["error_description"] as? String ?? answer.json["error"] as? String ?? "HTTP \(answer.status)"
                throw KeystoreError.accessDenied(reference, reason: "the token endpoint refused the service account: \(reason)")
            }
            let seconds = answer.json["expires_in"] as? Int ?? 3600
            return .init(value: token, expires: Date().addingTimeInterval(TimeInterval(seconds)))
        }
    }
}
