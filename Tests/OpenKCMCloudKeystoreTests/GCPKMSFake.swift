import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import OpenKCMKeystoreHTTP
import Synchronization

/// A stand-in for Google Cloud KMS and Google's OAuth token endpoint, following
/// their documented REST wire format (v1 `cryptoKeys.encrypt`, `decrypt`,
/// `get`; RFC 7523 JWT-bearer grant), with AES-256-GCM behind it. It verifies
/// the service account's RS256 assertion, every CRC32C the client sends, and
/// every body field, and answers with the documented shapes and error bodies.
final class GCPKMSFake: Sendable {
    struct Key {
        var versions: [Int: SymmetricKey] = [:]
        var states: [Int: String] = [:]
        var primary = 1
    }

    let violations = WireViolations()
    let clientEmail = "openkcm@pied-piper.iam.gserviceaccount.com"
    let signingKey: _RSA.Signing.PrivateKey
    private let keys = Mutex<[String: Key]>([:])
    private let tokens = Mutex<Set<String>>([])
    /// Flips a ciphertext bit in encrypt answers: the client's CRC32C check must catch it.
    let corruptAnswers = Atomic<Bool>(false)

    init() throws {
        signingKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    /// The service account key file the customer hands over.
    func serviceAccountJSON(tokenURI: URL) throws -> Data {
        try JSONSerialization.data(withJSONObject: [
            "type": "service_account", "project_id": "pied-piper", "private_key_id": "k1",
            "private_key": signingKey.pemRepresentation, "client_email": clientEmail, "client_id": "1234",
            "token_uri": tokenURI.absoluteString,
        ])
    }

    func addKey(_ name: String) { keys.withLock { $0[name] = Key(versions: [1: SymmetricKey(size: .bits256)], states: [1: "ENABLED"]) } }
    func rotate(_ name: String) {
        keys.withLock { keys in
            let version = (keys[name]?.versions.count ?? 0) + 1
            keys[name]?.versions[version] = SymmetricKey(size: .bits256)
            keys[name]?.states[version] = "ENABLED"
            keys[name]?.primary = version
        }
    }
    func setState(_ name: String, version: Int, _ state: String) { keys.withLock { $0[name]?.states[version] = state } }

    static func error(_ status: HTTPResponse.Status, _ name: String, _ message: String) -> Response {
        jsonResponse(status, ["error": ["code": Int(status.code), "message": message, "status": name]])
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/token") { request, _ -> Response in
            let form = try await formBody(request, self.violations)
            if Set(form.keys) != ["grant_type", "assertion"] { self.violations.record("token: fields \(form.keys.sorted())") }
            if form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" { self.violations.record("token: grant_type \(form["grant_type"] ?? "")") }
            guard let assertion = form["assertion"], self.verify(assertion, audience: "http://\(request.head.authority ?? "")/token") else {
                return jsonResponse(.badRequest, ["error": "invalid_grant", "error_description": "Invalid JWT Signature."])
            }
            let token = "ya29.fake-\(UUID().uuidString)"
            self.tokens.withLock { _ = $0.insert(token) }
            return jsonResponse(.ok, ["access_token": token, "expires_in": 3599, "token_type": "Bearer"])
        }
        router.get("/v1/projects/{project}/locations/{location}/keyRings/{ring}/cryptoKeys/{key}") { request, context -> Response in
            if let refused = self.check(request) { return refused }
            let name = Self.name(context)
            guard let key = self.keys.withLock({ $0[name] }) else { return Self.error(.notFound, "NOT_FOUND", "CryptoKey \(name) not found.") }
            return jsonResponse(.ok, [
                "name": name, "purpose": "ENCRYPT_DECRYPT",
                "primary": ["name": "\(name)/cryptoKeyVersions/\(key.primary)", "state": key.states[key.primary] ?? "ENABLED",
                            "protectionLevel": "HSM", "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"],
            ])
        }
        router.post("/v1/projects/{project}/locations/{location}/keyRings/{ring}/cryptoKeys/{key}") { request, context -> Response in
            if let refused = self.check(request) { return refused }
            let parts = (context.parameters.get("key") ?? "").split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["encrypt", "decrypt"].contains(parts[1]) else { return Self.error(.notFound, "NOT_FOUND", "no such method") }
            let name = "projects/\(context.parameters.get("project") ?? "")/locations/\(context.parameters.get("location") ?? "")/keyRings/\(context.parameters.get("ring") ?? "")/cryptoKeys/\(parts[0])"
            guard let body = try await jsonBody(request, self.violations) else { return Self.error(.badRequest, "INVALID_ARGUMENT", "body") }
            guard let key = self.keys.withLock({ $0[name] }) else { return Self.error(.notFound, "NOT_FOUND", "CryptoKey \(name) not found.") }
            let aad = (body["additionalAuthenticatedData"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data()
            self.checkCRC(body, field: "additionalAuthenticatedData", aad)
            if parts[1] == "encrypt" {
                if !Set(body.keys).isSubset(of: ["plaintext", "additionalAuthenticatedData", "plaintextCrc32c", "additionalAuthenticatedDataCrc32c"]) {
                    self.violations.record("encrypt: fields \(body.keys.sorted())")
                }
                guard let plaintext = (body["plaintext"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
                    return Self.error(.badRequest, "INVALID_ARGUMENT", "plaintext is required")
                }
                self.checkCRC(body, field: "plaintext", plaintext)
                guard key.states[key.primary] == "ENABLED", let material = key.versions[key.primary] else {
                    return Self.error(.badRequest, "FAILED_PRECONDITION",
                                      "\(name)/cryptoKeyVersions/\(key.primary) is not enabled, current state is: \(key.states[key.primary] ?? "").")
                }
                var ciphertext = Data([UInt8(key.primary)]) + (try AES.GCM.seal(plaintext, using: material, authenticating: aad).combined ?? Data())
                let checksum = CRC32C(ciphertext)
                if self.corruptAnswers.load(ordering: .relaxed) { ciphertext[ciphertext.count - 1] ^= 1 }
                return jsonResponse(.ok, [
                    "name": "\(name)/cryptoKeyVersions/\(key.primary)", "ciphertext": ciphertext.base64EncodedString(),
                    "ciphertextCrc32c": String(checksum), "verifiedPlaintextCrc32c": true,
                    "verifiedAdditionalAuthenticatedDataCrc32c": true, "protectionLevel": "HSM",
                ])
            }
            if !Set(body.keys).isSubset(of: ["ciphertext", "additionalAuthenticatedData", "ciphertextCrc32c", "additionalAuthenticatedDataCrc32c"]) {
                self.violations.record("decrypt: fields \(body.keys.sorted())")
            }
            guard let ciphertext = (body["ciphertext"] as? String).flatMap({ Data(base64Encoded: $0) }), ciphertext.count > 1 else {
                return Self.error(.badRequest, "INVALID_ARGUMENT", "ciphertext is required")
            }
            self.checkCRC(body, field: "ciphertext", ciphertext)
            let version = Int(ciphertext[ciphertext.startIndex])
            guard let material = key.versions[version] else { return Self.error(.badRequest, "INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid.") }
            guard key.states[version] == "ENABLED" else {
                return Self.error(.badRequest, "FAILED_PRECONDITION",
                                  "\(name)/cryptoKeyVersions/\(version) is not enabled, current state is: \(key.states[version] ?? "").")
            }
            guard let box = try? AES.GCM.SealedBox(combined: ciphertext.dropFirst()),
                  let plaintext = try? AES.GCM.open(box, using: material, authenticating: aad)
            else { return Self.error(.badRequest, "INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid.") }
            return jsonResponse(.ok, ["plaintext": plaintext.base64EncodedString(), "plaintextCrc32c": String(CRC32C(plaintext)),
                                      "usedPrimary": version == key.primary, "protectionLevel": "HSM"])
        }
        return router
    }

    static func name(_ context: BasicRequestContext) -> String {
        "projects/\(context.parameters.get("project") ?? "")/locations/\(context.parameters.get("location") ?? "")/keyRings/\(context.parameters.get("ring") ?? "")/cryptoKeys/\(context.parameters.get("key") ?? "")"
    }

    private func check(_ request: Request) -> Response? {
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer "),
              tokens.withLock({ $0.contains(String(authorization.dropFirst(7))) })
        else { return Self.error(.unauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.") }
        return nil
    }

    /// Google's int64 CRC32C fields travel as decimal strings and must match.
    private func checkCRC(_ body: [String: Any], field: String, _ data: Data) {
        guard let text = body[field + "Crc32c"] else { return violations.record("\(field)Crc32c is missing") }
        guard let string = text as? String, let value = UInt32(string) else { return violations.record("\(field)Crc32c is not an int64 string") }
        if value != CRC32C(data) { violations.record("\(field)Crc32c does not match") }
    }

    /// Checks the RS256 signature and the claims Google requires of a service account assertion.
    private func verify(_ jwt: String, audience: String) -> Bool {
        let parts = jwt.split(separator: ".").map(String.init)
        guard parts.count == 3, let headerData = Data(base64URLEncoded: parts[0]), let claimsData = Data(base64URLEncoded: parts[1]),
              let signature = Data(base64URLEncoded: parts[2]),
              let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
              let claims = (try? JSONSerialization.jsonObject(with: claimsData)) as? [String: Any]
        else { violations.record("assertion: not a JWT"); return false }
        if header["alg"] as? String != "RS256" || header["typ"] as? String != "JWT" { violations.record("assertion: header \(header)") }
        let signed = signingKey.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                                           for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5)
        if !signed { violations.record("assertion: bad signature") }
        let now = Int(Date().timeIntervalSince1970)
        if claims["iss"] as? String != clientEmail { violations.record("assertion: iss") }
        if (claims["scope"] as? String)?.split(separator: " ").contains("https://www.googleapis.com/auth/cloudkms") != true { violations.record("assertion: scope") }
        if claims["aud"] as? String != audience { violations.record("assertion: aud \(claims["aud"] ?? "") != \(audience)") }
        guard let iat = claims["iat"] as? Int, let exp = claims["exp"] as? Int, iat <= now + 60, exp > now, exp - iat <= 3600 else {
            violations.record("assertion: iat/exp"); return false
        }
        return signed
    }
}

/// CRC-32C, written again here so the fake checks the client with its own arithmetic.
func CRC32C(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}
