public import Foundation

/// How the MasterKey is protected, written at init and read while sealed.
/// Holds no secret: check values, keystore references and keystore ciphertext only.
/// Stored outside the barrier at ``storageKey``.
public struct SealConfiguration: Sendable, Hashable, Codable {
    public static let storageKey = "core/seal-config"

    public enum Kind: String, Sendable, Hashable, Codable {
        /// M of N Shamir shares held by operators.
        case shamir
        /// M of N Shamir shares, each wrapped by its own keystore: unseals without people.
        case shardKeystores = "shard-keystores"
        /// The MasterKey wrapped by one keystore (auto-unseal).
        case keystore
        /// A throwaway MasterKey for the quickstart; not for production.
        case dev
    }

    public var kind: Kind
    public var shares: Int
    public var threshold: Int
    /// Tells a right MasterKey from a wrong one before anything is decrypted.
    public var keyCheckValue: KeyCheckValue
    /// For ``Kind/shardKeystores``: share i (1-based) is wrapped by `shardKeystores[i-1]`.
    public var shardKeystores: [KeystoreReference]?
    /// For ``Kind/shardKeystores``: each share's y values as its keystore wrapped them.
    public var wrappedShares: [Data]?
    /// For ``Kind/shardKeystores``: the split's set id, so unwrapped values become shares again.
    public var shareSetID: [UInt8]?
    /// For ``Kind/keystore``: the keystore that wraps the MasterKey, and what it returned.
    public var sealKeystore: KeystoreReference?
    public var wrappedMasterKey: Data?
    public var createdAt: Date

    public init(kind: Kind, shares: Int, threshold: Int, keyCheckValue: KeyCheckValue, createdAt: Date) {
        self.kind = kind
        self.shares = shares
        self.threshold = threshold
        self.keyCheckValue = keyCheckValue
        self.createdAt = createdAt
    }
}
