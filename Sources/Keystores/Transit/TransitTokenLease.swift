import NIOHTTP1
import OpenKCMCore

/// What Vault says about the client's own token (`auth/token/lookup-self`).
public struct TransitTokenLease: Sendable, Hashable {
    /// Seconds left; 0 means the token never expires (a root token).
    public var ttl: Int
    /// The TTL the token was created with, or its period for periodic tokens.
    public var creationTTL: Int
    public var renewable: Bool

    /// Renew once less than two thirds of the token's life is left, which leaves
    /// a third of it for retries if the server is slow or briefly unreachable.
    public var wantsRenewal: Bool { renewable && ttl > 0 && ttl * 3 < max(creationTTL, 1) * 2 }
}

extension TransitClient {
    /// Reads the token's own lease. Allowed by Vault's default policy.
    public func lookupSelf() async throws -> TransitTokenLease {
        let reference = KeystoreReference(provider: "transit", key: "token")
        let data = try await call(.GET, "auth/token/lookup-self", reference: reference)["data"] as? [String: Any] ?? [:]
        let period = data["period"] as? Int ?? 0
        return TransitTokenLease(ttl: data["ttl"] as? Int ?? 0, creationTTL: period > 0 ? period : data["creation_ttl"] as? Int ?? 0,
                                 renewable: data["renewable"] as? Bool ?? false)
    }

    /// Renews the token for its usual increment; returns the new TTL in seconds.
    @discardableResult
    public func renewSelf() async throws -> Int {
        let reference = KeystoreReference(provider: "transit", key: "token")
        let auth = try await call(.POST, "auth/token/renew-self", [:], reference: reference)["auth"] as? [String: Any] ?? [:]
        return auth["lease_duration"] as? Int ?? 0
    }
}
