/// Why a signed token from the customer's identity provider (OIDC) was
/// refused. Each reason has its own audit code, so an operator can tell a
/// clock problem from an attack.
public enum TokenRefusal: String, Sendable, Equatable, CaseIterable {
    /// Not a compact JWS (three base64url parts with a JSON header).
    case malformed
    /// `alg` is not one OpenKCM accepts (`none`, HMAC, or one that does not fit the key).
    case algorithm
    /// No key of the provider's JWKS has the token's `kid`, even after reading the JWKS again.
    case unknownKey = "unknown_key"
    /// The signature does not verify under the provider's key.
    case signature
    /// `iss` is not the configured issuer.
    case issuer
    /// `aud` does not name the configured audience.
    case audience
    /// `exp` is past (beyond the leeway), or missing.
    case expired
    /// `nbf` is in the future (beyond the leeway).
    case notYetValid = "not_yet_valid"
    /// No claim value maps to a role, or the values map to roles that cannot be combined.
    case noRole = "no_role"
    /// The provider's discovery document or JWKS could not be read.
    case providerUnreachable = "provider_unreachable"
}
