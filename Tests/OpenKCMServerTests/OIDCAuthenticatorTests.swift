import Crypto
import CryptoExtras
import Foundation
import JWTKit
import OpenKCMCore
@testable import OpenKCMServer
import Synchronization
import Testing

/// Every check of ``OIDCAuthenticator`` on its own, with tokens this test
/// signs (so each claim can be wrong on its own under a valid signature): the
/// provider's documents are served from memory, in the shapes of the OpenID
/// Connect discovery and JWKS specifications. `OIDCSignInBinaryTests` runs
/// the real binary against a real provider.
@Suite struct OIDCAuthenticatorTests {
    static let issuer = "https://idp.example.test/realms/acme"

    /// The claims a token carries; nil fields are left out.
    struct Claims: JWTPayload {
        var iss: String? = OIDCAuthenticatorTests.issuer
        var sub: String? = "alice"
        var aud: [String]? = ["openkcm"]
        var exp: Int? = Int(Date().timeIntervalSince1970) + 300
        var nbf: Int?
        var groups: [String]? = ["kms-governance-acme"]
        var email: String? = "alice@acme.example"
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A provider: an RSA key (kid "rsa-1") and a P-256 key (kid "ec-1"), and how often its JWKS was read.
    final class Provider: OIDCProviderDocuments {
        let rsa = try! Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let ec = ES256PrivateKey()
        let signers = JWTKeyCollection()
        let jwksReads = Atomic<Int>(0)
        let extraKeys = Mutex<[[String: String]]>([])
        let reachable = Atomic<Bool>(true)

        init() async {
            await signers.add(rsa: rsa, digestAlgorithm: .sha256, kid: "rsa-1")
            await signers.add(ecdsa: ec, kid: "ec-1")
        }

        func document(at url: String) async throws -> [UInt8] {
            guard reachable.load(ordering: .relaxed) else { throw CocoaError(.fileReadUnknown) }
            if url == OIDCAuthenticatorTests.issuer + "/.well-known/openid-configuration" {
                return Array(try JSONSerialization.data(withJSONObject: ["issuer": OIDCAuthenticatorTests.issuer, "jwks_uri": OIDCAuthenticatorTests.issuer + "/certs"]))
            }
            guard url == OIDCAuthenticatorTests.issuer + "/certs" else { throw CocoaError(.fileNoSuchFile) }
            jwksReads.add(1, ordering: .relaxed)
            let (modulus, exponent) = try rsa.publicKey.getKeyPrimitives()
            let point = try #require(ec.publicKey.parameters)
            let keys: [[String: String]] = [
                ["kty": "RSA", "kid": "rsa-1", "use": "sig", "n": modulus.base64URL, "e": exponent.base64URL],
                ["kty": "EC", "kid": "ec-1", "crv": "P-256", "x": point.x, "y": point.y, "alg": "ES256"],
            ] + extraKeys.withLock { $0 }
            return Array(try JSONSerialization.data(withJSONObject: ["keys": keys]))
        }
    }

    static func authenticator(_ provider: Provider, clock: @escaping @Sendable () -> Date = { Date() }) -> OIDCAuthenticator {
        OIDCAuthenticator(configuration: OIDCConfiguration(
            issuer: issuer, audience: "openkcm",
            grants: ["kms-governance-acme": OIDCRoleGrant(parsing: "governance:acme")!, "kms-governance-globex": OIDCRoleGrant(parsing: "governance:globex")!,
                     "kms-platform": OIDCRoleGrant(parsing: "governance")!, "kms-auditors": OIDCRoleGrant(parsing: "auditor")!]),
            documents: provider, clock: clock)
    }

    static func refusal(_ authenticator: OIDCAuthenticator, _ token: String) async -> TokenRefusal? {
        do {
            _ = try await authenticator.authenticate(token)
            return nil
        } catch {
            guard case .tokenRefused(let reason) = error else { return nil }
            return reason
        }
    }

    @Test func aGoodTokenSignsInWithItsMappedRoleAndScope() async throws {
        let provider = await Provider()
        let oidc = Self.authenticator(provider)
        for kid in ["rsa-1", "ec-1"] {
            let identity = try await oidc.authenticate(try await provider.signers.sign(Claims(), kid: JWKIdentifier(string: kid)))
            #expect(identity.role == .governance && identity.tenant?.rawValue == "acme" && identity.name == "alice@acme.example")
            #expect(identity.id.hasPrefix("oidc-") && identity.id.utf8.count == 29)
        }
        var auditor = Claims()
        auditor.groups = ["kms-auditors", "unrelated"]
        #expect(try await oidc.authenticate(try await provider.signers.sign(auditor, kid: "rsa-1")).role == .auditor)
        var platform = Claims()
        platform.groups = ["kms-governance-acme", "kms-platform"]
        let operator_ = try await oidc.authenticate(try await provider.signers.sign(platform, kid: "rsa-1"))
        #expect(operator_.role == .governance && operator_.tenant == nil)
        // One string instead of an array, and an audience given as a string, are read alike.
        struct Single: JWTPayload {
            var iss = OIDCAuthenticatorTests.issuer, sub = "bob", aud = "openkcm", exp = Int(Date().timeIntervalSince1970) + 60, groups = "kms-auditors"
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        #expect(try await oidc.authenticate(try await provider.signers.sign(Single(), kid: "ec-1")).role == .auditor)
        #expect(provider.jwksReads.load(ordering: .relaxed) == 1, "the JWKS is read once and kept")
    }

    @Test func eachWrongClaimIsRefusedForItsReason() async throws {
        let provider = await Provider()
        let oidc = Self.authenticator(provider)
        func sign(_ change: (inout Claims) -> Void) async throws -> String {
            var claims = Claims()
            change(&claims)
            return try await provider.signers.sign(claims, kid: "rsa-1")
        }
        let now = Int(Date().timeIntervalSince1970)
        #expect(await Self.refusal(oidc, try await sign { $0.iss = "https://idp.example.test/realms/other" }) == .issuer)
        #expect(await Self.refusal(oidc, try await sign { $0.iss = nil }) == .issuer)
        #expect(await Self.refusal(oidc, try await sign { $0.aud = ["another-app"] }) == .audience)
        #expect(await Self.refusal(oidc, try await sign { $0.exp = now - 61 }) == .expired)
        #expect(await Self.refusal(oidc, try await sign { $0.exp = nil }) == .expired)
        #expect(await Self.refusal(oidc, try await sign { $0.exp = now - 30 }) == nil, "within the 60 s leeway")
        #expect(await Self.refusal(oidc, try await sign { $0.nbf = now + 120 }) == .notYetValid)
        #expect(await Self.refusal(oidc, try await sign { $0.groups = ["kms-users"] }) == .noRole)
        #expect(await Self.refusal(oidc, try await sign { $0.groups = nil }) == .noRole)
        #expect(await Self.refusal(oidc, try await sign { $0.groups = ["kms-governance-acme", "kms-governance-globex"] }) == .noRole,
                "governance of two tenants cannot be one identity")
        #expect(await Self.refusal(oidc, try await sign { $0.sub = nil }) == .malformed)
    }

    @Test func forgedAndUnknownSignaturesAreRefused() async throws {
        let provider = await Provider()
        let oidc = Self.authenticator(provider)
        let good = try await provider.signers.sign(Claims(), kid: "rsa-1")
        let parts = good.split(separator: ".").map(String.init)
        func encode(_ json: [String: Any]) throws -> String { try JSONSerialization.data(withJSONObject: json).base64URL }

        // alg none, with and without a signature part.
        let none = try encode(["alg": "none", "typ": "JWT", "kid": "rsa-1"])
        #expect(await Self.refusal(oidc, "\(none).\(parts[1]).") == .algorithm)
        #expect(await Self.refusal(oidc, "\(none).\(parts[1]).\(parts[2])") == .algorithm)
        // HS256 keyed with the provider's public key (the old key-confusion attack).
        let hs = try encode(["alg": "HS256", "typ": "JWT", "kid": "rsa-1"])
        let publicPEM = try provider.rsa.publicKey.pemRepresentation
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(hs).\(parts[1])".utf8), using: SymmetricKey(data: Array(publicPEM.utf8)))
        #expect(await Self.refusal(oidc, "\(hs).\(parts[1]).\(Data(mac).base64URL)") == .algorithm)
        // An ES256 header on the RSA key, and the EC key claimed as RS256.
        #expect(await Self.refusal(oidc, "\(try encode(["alg": "ES256", "kid": "rsa-1"])).\(parts[1]).\(parts[2])") == .algorithm)
        #expect(await Self.refusal(oidc, "\(try encode(["alg": "RS256", "kid": "ec-1"])).\(parts[1]).\(parts[2])") == .algorithm)
        // Another key under the provider's kid; a payload changed under the provider's signature.
        let stranger = JWTKeyCollection()
        await stranger.add(rsa: try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048)), digestAlgorithm: .sha256, kid: "rsa-1")
        #expect(await Self.refusal(oidc, try await stranger.sign(Claims(), kid: "rsa-1")) == .signature)
        var platform = Claims()
        platform.groups = ["kms-platform"]
        let forgedPayload = try await provider.signers.sign(platform, kid: "rsa-1").split(separator: ".")[1]
        #expect(await Self.refusal(oidc, "\(parts[0]).\(forgedPayload).\(parts[2])") == .signature)
        // A kid the provider does not have; no kid while the provider has two keys; a critical extension.
        #expect(await Self.refusal(oidc, try await stranger.sign(Claims(), kid: "rsa-2")) == .unknownKey)
        #expect(await Self.refusal(oidc, try await stranger.sign(Claims())) == .unknownKey)
        #expect(await Self.refusal(oidc, "\(try encode(["alg": "RS256", "kid": "rsa-1", "crit": ["exp"]])).\(parts[1]).\(parts[2])") == .malformed)
        // Not a JWT at all.
        for junk in ["", "eyJ", "eyJ.x", "eyJhbGciOiJSUzI1NiJ9..", "eyJ!.e30.sig", String(repeating: "eyJ.", count: 6000)] {
            #expect(await Self.refusal(oidc, junk) != nil, "\(junk.prefix(20))")
        }
        #expect(try await oidc.authenticate(good).role == .governance, "the good token still works")
    }

    /// A key the provider added after the JWKS was read is fetched once; a flood of unknown kids reads it at most every 30 s.
    @Test func anUnknownKidReadsTheJWKSAgainButNotOnEveryRequest() async throws {
        let provider = await Provider()
        let oidc = Self.authenticator(provider)
        _ = try await oidc.authenticate(try await provider.signers.sign(Claims(), kid: "rsa-1"))
        #expect(provider.jwksReads.load(ordering: .relaxed) == 1)
        // Rotated at the provider: a new key, new kid.
        let rotated = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let (modulus, exponent) = try rotated.publicKey.getKeyPrimitives()
        provider.extraKeys.withLock { $0 = [["kty": "RSA", "kid": "rsa-2", "n": modulus.base64URL, "e": exponent.base64URL, "alg": "RS256"]] }
        let signer = JWTKeyCollection()
        await signer.add(rsa: rotated, digestAlgorithm: .sha256, kid: "rsa-2")
        // The first JWKS read was just now: within 30 s it is not read again, so the new key is not known yet.
        #expect(await Self.refusal(oidc, try await signer.sign(Claims(), kid: "rsa-2")) == .unknownKey)
        for _ in 0..<50 { _ = await Self.refusal(oidc, try await signer.sign(Claims(), kid: "nobody")) }
        #expect(provider.jwksReads.load(ordering: .relaxed) == 1, "unknown kids do not make the server read the JWKS on every request")
        // A fresh authenticator (as after 30 s) reads it and takes the rotated key.
        let later = Self.authenticator(provider)
        #expect(try await later.authenticate(try await signer.sign(Claims(), kid: "rsa-2")).tenant?.rawValue == "acme")
    }

    /// A key without `alg` in the JWKS: a forged token naming another algorithm first must not pin the key
    /// to it (jwt-kit fixes such a key to the first algorithm it is used with), or real tokens would fail after.
    @Test func aForgedAlgorithmDoesNotPinTheProvidersKey() async throws {
        let provider = await Provider()
        let oidc = Self.authenticator(provider)
        let good = try await provider.signers.sign(Claims(), kid: "rsa-1")
        let parts = good.split(separator: ".").map(String.init)
        for algorithm in ["PS512", "RS384", "PS256"] {
            let header = try JSONSerialization.data(withJSONObject: ["alg": algorithm, "kid": "rsa-1"]).base64URL
            #expect(await Self.refusal(oidc, "\(header).\(parts[1]).\(parts[2])") == .signature)
        }
        #expect(try await oidc.authenticate(good).tenant?.rawValue == "acme", "the real RS256 token still signs in")
    }

    @Test func aProviderThatCannotBeReachedSignsNobodyIn() async throws {
        let provider = await Provider()
        provider.reachable.store(false, ordering: .relaxed)
        let oidc = Self.authenticator(provider)
        #expect(await Self.refusal(oidc, try await provider.signers.sign(Claims(), kid: "rsa-1")) == .providerUnreachable)
    }

    @Test func roleGrantsParse() {
        #expect(OIDCRoleGrant(parsing: "governance")?.description == "governance")
        #expect(OIDCRoleGrant(parsing: "governance:acme")?.tenant?.rawValue == "acme")
        #expect(OIDCRoleGrant(parsing: "auditor")?.role == .auditor)
        for bad in ["root", "crypto", "auditor:acme", "governance:", "governance:a/b", "", "Governance"] {
            #expect(OIDCRoleGrant(parsing: bad) == nil, "\(bad)")
        }
    }
}

extension Data {
    /// Base64url without padding (RFC 7515 §2).
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
