public import Foundation

/// A tenant's stored key chain head: its L1 link, its L2 wrapped by that L1,
/// and its L2.1 versions wrapped by the L2. Stored at `tenants/<id>` through the barrier.
public struct TenantKeyRing: Sendable, Hashable, Codable {
    public let tenant: TenantID
    /// The customer's L1: the keystore key that wraps this tenant's L2.
    public internal(set) var l1: KeystoreReference
    /// When the L1 link was removed (the kill switch); nil while linked.
    public internal(set) var l1UnlinkedAt: Date?
    /// Why the tenant is locked by its L1's provider (the customer disabled or
    /// deleted the key, or it stayed unreachable past the grace period), as
    /// the status check or an L1 call found it; nil while the provider
    /// answers. Stored so that every node sharing the store locks, whichever
    /// node saw it.
    public internal(set) var l1ProviderLock: String? = nil
    /// The L2's id, written into every L2.1 envelope header.
    public let rootKeyID: KeyID
    /// The L2 generation; L2.1 envelopes name it as their wrapping key version.
    public internal(set) var rootVersion: UInt32
    /// When the current L2 generation was made, for its rotation schedule; nil for generation 1 (made with the tenant).
    public internal(set) var rootRotatedAt: Date? = nil
    /// The L2 as the L1 keystore wrapped it (provider ciphertext).
    public internal(set) var wrappedRoot: Data
    /// The L1's version when the L2 was last wrapped, for providers whose ciphertext does not say
    /// (AWS KMS: the count of its key rotations); nil when unknown or not needed.
    public internal(set) var l1Version: String? = nil
    /// The L2.1 versions.
    public internal(set) var tenantKeys: KeyRing
    public let createdAt: Date
    /// The tenant's rotation policy: for its L2.1, and inherited by its services that set none.
    public internal(set) var rotationPolicy: RotationPolicy? = nil

    static func storageKey(_ tenant: TenantID) -> String { "tenants/\(tenant.rawValue)" }
}

/// A service's stored L3 versions, each wrapped by one L2.1 version.
/// Stored at `services/<tenant>/<service>` through the barrier.
public struct ServiceKeyRing: Sendable, Hashable, Codable {
    public let tenant: TenantID
    public let service: ServiceID
    public internal(set) var serviceKeys: KeyRing
    public let createdAt: Date
    /// The service's own rotation policy for its L3; nil fields inherit the tenant's.
    public internal(set) var rotationPolicy: RotationPolicy? = nil

    static func storagePrefix(_ tenant: TenantID) -> String { "services/\(tenant.rawValue)/" }
    static func storageKey(_ tenant: TenantID, _ service: ServiceID) -> String {
        "services/\(tenant.rawValue)/\(service.rawValue)"
    }
}
