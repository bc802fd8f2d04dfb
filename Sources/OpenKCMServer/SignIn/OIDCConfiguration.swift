public import Foundation

/// `[oidc]`: people sign in with the customer's identity provider and send
/// its ID or access token as their bearer token.
public struct OIDCConfiguration: Sendable {
    /// The issuer, exactly as the provider's discovery document and tokens name it.
    public var issuer: String
    /// The audience tokens must name (the client id registered for OpenKCM).
    public var audience: String
    /// The claim whose values (a string or an array of strings) map to roles; `groups` by default.
    public var rolesClaim: String
    /// Claim value -> what it grants.
    public var grants: [String: OIDCRoleGrant]
    /// How far `exp` and `nbf` may be off for clock skew; 60 s by default, at most 300 s.
    public var leeway: Duration
    /// A CA file for the provider's TLS certificate, when it is not in the system's store.
    public var caFile: String?

    public init(issuer: String, audience: String, rolesClaim: String = "groups", grants: [String: OIDCRoleGrant],
                leeway: Duration = .seconds(60), caFile: String? = nil) {
        self.issuer = issuer
        self.audience = audience
        self.rolesClaim = rolesClaim
        self.grants = grants
        self.leeway = leeway
        self.caFile = caFile
    }

    /// An https URL, or http to a loopback address (a provider on this machine, as in tests).
    public static func isAcceptableURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let host = url.host, !host.isEmpty else { return false }
        switch url.scheme {
        case "https": return true
        case "http": return ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        default: return false
        }
    }
}
