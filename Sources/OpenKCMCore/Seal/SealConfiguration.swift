public import Crypto
public import Foundation

/// How the MasterKey is protected, written at init and read while sealed.
/// Holds no secret: check values, keystore references and keystore ciphertext only.
/// Stored outside the barrier at ``storageKey``.
public struct SealConfiguration: Sendable, Hashable, Codable {
    public static let storageKey = "core/seal-config"
    /// A counter (8 bytes, big-endian, readable by ``StorageCondition``) bumped with every change of
    /// the configuration after init, so two nodes sharing a store never both replace it (rekey).
    public static let generationKey = "barrier/seal-generation"

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
    /// For ``Kind/keystore``: the keystore that wraps the MasterKey.
    public var sealKeystore: KeystoreReference?
    /// For ``Kind/keystore``: what the seal keystore returned for the MasterKey.
    /// For ``Kind/shamir``: the MasterKey sealed under the unseal key the
    /// operator shares rebuild (``UnsealKey``); nil for a seal made before
    /// rekey existed, whose shares rebuild the MasterKey itself.
    public var wrappedMasterKey: Data?
    public var createdAt: Date
    /// When the operator shares were last replaced (``SealInitializer/rekey(_:masterKey:shares:threshold:now:)``).
    public var rekeyedAt: Date?

    public init(kind: Kind, shares: Int, threshold: Int, keyCheckValue: KeyCheckValue, createdAt: Date) {
        self.kind = kind
        self.shares = shares
        self.threshold = threshold
        self.keyCheckValue = keyCheckValue
        self.createdAt = createdAt
    }
}

extension SealConfiguration {
    /// The MasterKey from a complete set of operator shares: the unseal key
    /// they rebuild opens it, or (a seal from before rekey) they rebuild it
    /// themselves. Either way it must match ``keyCheckValue``.
    public func masterKey(from shares: [ShamirShare]) throws(ShamirError) -> MasterKey {
        guard kind == .shamir, let sealed = wrappedMasterKey, let setID = shareSetID else {
            return try MasterKey.combine(shares, checkingWith: keyCheckValue)
        }
        let unsealKey = try ShamirSplitter.combine(shares)
        let masterKey = try UnsealKey.open(sealed, under: unsealKey, setID: setID)
        guard masterKey.keyCheckValue == keyCheckValue else { throw .keyCheckFailed }
        return masterKey
    }
}
