import Crypto
public import Foundation
import JWTKit
public import OpenKCMCore
import Synchronization

/// Signs people in with the customer's identity provider: an ID or access
/// token (a JWT the provider signed) is the bearer token, and its roles claim
/// maps to a governance or auditor identity that lives for the request.
///
/// The provider is found by OIDC discovery (`/.well-known/openid-configuration`
/// under the issuer, which must name the same issuer); its JWKS is read then
/// and kept, read again after an hour and when a token names a key it does not
/// have (at most every 30 s, so unknown keys cannot make the server hammer the
/// provider). A token is accepted only when all of these hold: a compact JWS
/// with an asymmetric `alg` the key's type fits (RS, PS or ES; never `none` or
/// HMAC), a known `kid` (or none when the JWKS has one key), a signature that
/// jwt-kit verifies, `iss` the configured issuer, `aud` naming the configured
/// audience, `exp` present and not past, `nbf` not in the future (both with
/// the configured leeway), and a roles claim value that maps to a role. Every
/// refusal names its reason (``TokenRefusal``), which the audit entry carries.
public final class OIDCAuthenticator: Sendable {
    public let configuration: OIDCConfiguration
    private let documents: any OIDCProviderDocuments
    private let now: @Sendable () -> Date
    private let keys = Mutex<KeySet?>(nil)
    /// When the JWKS was last asked for, successfully or not.
    private let lastFetch = Mutex<ContinuousClock.Instant?>(nil)

    /// The algorithms a provider may sign with, by the JWK key type they need.
    static let algorithms: [String: String] = [
        "RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "PS256": "RSA", "PS384": "RSA", "PS512": "RSA", "ES256": "EC", "ES384": "EC",
    ]
    static let refreshAfter = Duration.seconds(3600)
    static let unknownKeyPause = Duration.seconds(30)

    /// The provider's keys as last read.
    final class KeySet: Sendable {
        /// kid -> the key, and (kty, alg if the JWK names one).
        let jwks: [String: JWK]
        let keys: [String: (type: String, algorithm: String?)]
        let readAt: ContinuousClock.Instant
        /// One verifier per (kid, alg), each pinned to its algorithm: jwt-kit fixes a JWK without `alg` to the
        /// first algorithm a token names, so a shared one would let a forged header break every later sign-in.
        private let verifiers = Mutex<[String: JWTKeyCollection]>([:])

        init(jwks: [String: JWK], keys: [String: (type: String, algorithm: String?)], readAt: ContinuousClock.Instant) {
            self.jwks = jwks
            self.keys = keys
            self.readAt = readAt
        }

        /// A collection holding only key `kid`, pinned to `algorithm`.
        func verifier(kid: String, algorithm: String) async throws -> JWTKeyCollection {
            let name = "\(kid)\u{0}\(algorithm)"
            if let known = verifiers.withLock({ $0[name] }) { return known }
            guard var jwk = jwks[kid], let pinned = JWK.Algorithm(rawValue: algorithm) else { throw JWTError.noKeyProvided }
            jwk.algorithm = pinned
            let collection = JWTKeyCollection()
            try await collection.add(jwk: jwk)
            return verifiers.withLock { verifiers in
                if let raced = verifiers[name] { return raced }
                verifiers[name] = collection
                return collection
            }
        }
    }

    public init(configuration: OIDCConfiguration, documents: any OIDCProviderDocuments, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.documents = documents
        self.now = clock
    }

    /// Whether `token` is shaped like a JWT (OpenKCM's own tokens start `okcm.`).
    public static func isJWT(_ token: String) -> Bool {
        token.hasPrefix("eyJ") && token.utf8.count <= 16_384 && token.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The identity `token` signs in, or ``AccessError/tokenRefused(_:)`` with the reason.
    public func authenticate(_ token: String) async throws(AccessError) -> Identity {
        guard Self.isJWT(token) else { throw .tokenRefused(.malformed) }
        let header = try Self.header(of: token)
        guard let algorithm = header["alg"] as? String, let keyType = Self.algorithms[algorithm] else { throw .tokenRefused(.algorithm) }
        // A critical extension this verifier does not know must not be ignored (RFC 7515 §4.1.11).
        guard header["crit"] == nil else { throw .tokenRefused(.malformed) }
        let kid = header["kid"] as? String
        let set = try await keySet(naming: kid)
        let keyID: String
        if let kid {
            guard set.keys[kid] != nil else { throw .tokenRefused(.unknownKey) }
            keyID = kid
        } else {
            // No kid: only a provider with a single key is unambiguous.
            guard set.keys.count == 1, let only = set.keys.keys.first else { throw .tokenRefused(.unknownKey) }
            keyID = only
        }
        guard let key = set.keys[keyID], key.type == keyType, key.algorithm == nil || key.algorithm == algorithm else { throw .tokenRefused(.algorithm) }
        let claims: OIDCClaims
        do {
            let verifier = try await set.verifier(kid: keyID, algorithm: algorithm)
            // The verifier holds this one key: a token naming no kid is checked against it too.
            claims = try await verifier.verify(token, as: OIDCClaims.self)
        } catch {
            throw .tokenRefused(.signature)
        }

        guard claims.issuer == configuration.issuer else { throw .tokenRefused(.issuer) }
        guard claims.audiences.contains(configuration.audience) else { throw .tokenRefused(.audience) }
        let now = now()
        let leeway = Double(configuration.leeway.components.seconds)
        guard let expires = claims.expires, now.timeIntervalSince(expires) <= leeway else { throw .tokenRefused(.expired) }
        if let notBefore = claims.notBefore, notBefore.timeIntervalSince(now) > leeway { throw .tokenRefused(.notYetValid) }
        guard let subject = claims.subject, !subject.isEmpty else { throw .tokenRefused(.malformed) }

        let values = claims.strings[configuration.rolesClaim] ?? []
        let grants = Set(values.compactMap { configuration.grants[$0] })
        guard let grant = OIDCRoleGrant.combined(grants) else { throw .tokenRefused(.noRole) }
        // One id per person at this provider, stable across tokens: the audit log follows them.
        let id = "oidc-" + Array(SHA256.hash(data: Array("\(configuration.issuer)\n\(subject)".utf8))).prefix(12).hexString
        var name = claims.name ?? subject
        if name.utf8.count > 128 { name = String(decoding: Array(name.utf8.prefix(128)), as: UTF8.self) }
        return Identity(id: id, name: name, role: grant.role, tenant: grant.tenant, service: nil, createdAt: now, tokenHash: "")
    }

    /// The JWS header as JSON.
    private static func header(of token: String) throws(AccessError) -> [String: Any] {
        guard let part = token.split(separator: ".").first, part.utf8.count <= 4096 else { throw .tokenRefused(.malformed) }
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
              let header = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw .tokenRefused(.malformed) }
        return header
    }

    /// The keys, read again when they are old or do not have `kid` (rate-limited).
    private func keySet(naming kid: String?) async throws(AccessError) -> KeySet {
        let current = keys.withLock { $0 }
        if let current, ContinuousClock.now - current.readAt < Self.refreshAfter, kid.map({ current.keys[$0] != nil }) ?? true {
            return current
        }
        // Read again at most every 30 s while keys are known, and at most every second while the provider is away.
        let mayFetch = lastFetch.withLock { last -> Bool in
            if let last, ContinuousClock.now - last < (current == nil ? .seconds(1) : Self.unknownKeyPause) { return false }
            last = ContinuousClock.now
            return true
        }
        guard mayFetch else {
            guard let current else { throw .tokenRefused(.providerUnreachable) }
            return current
        }
        do {
            let fresh = try await fetchKeys()
            keys.withLock { $0 = fresh }
            return fresh
        } catch {
            // Keys read before still serve while the provider is away; without any, nobody signs in.
            if let current { return current }
            throw .tokenRefused(.providerUnreachable)
        }
    }

    private func fetchKeys() async throws -> KeySet {
        let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
        let discovery = try JSONSerialization.jsonObject(with: Data(try await documents.document(at: base + "/.well-known/openid-configuration")))
        // OpenID Connect Discovery §4.3: the document's issuer is exactly the one asked.
        guard let document = discovery as? [String: Any], document["issuer"] as? String == configuration.issuer,
              let jwksURI = document["jwks_uri"] as? String, OIDCConfiguration.isAcceptableURL(jwksURI)
        else { throw DiscoveryError.unusableDocument }
        let jwksBytes = try await documents.document(at: jwksURI)
        let jwks = try JSONDecoder().decode(JWKS.self, from: Data(jwksBytes))
        let raw = (try JSONSerialization.jsonObject(with: Data(jwksBytes)) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        var described: [String: (type: String, algorithm: String?)] = [:]
        var byID: [String: JWK] = [:]
        for (jwk, json) in zip(jwks.keys, raw) {
            // Only signing keys with an id; others (encryption keys, keys without kid) are skipped, not fatal.
            guard let kid = json["kid"] as? String, let type = json["kty"] as? String, type == "RSA" || type == "EC",
                  (json["use"] as? String).map({ $0 == "sig" }) ?? true else { continue }
            // A key jwt-kit cannot read is skipped here, not at the first token.
            guard (try? await JWTKeyCollection().add(jwk: jwk)) != nil else { continue }
            byID[kid] = jwk
            described[kid] = (type, json["alg"] as? String)
        }
        return KeySet(jwks: byID, keys: described, readAt: .now)
    }

    /// Why the provider's documents were not usable.
    enum DiscoveryError: Error {
        case unusableDocument
    }
}
