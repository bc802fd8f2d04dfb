import Crypto
public import Foundation

/// Makes a new MasterKey and the seal configuration that protects it.
public enum SealInitializer {
    /// M of N shares for operators. The shares are returned once and never stored.
    public static func shamir(shares: Int, threshold: Int, now: Date = Date()) throws(ShamirError) -> (SealConfiguration, MasterKey, [ShamirShare]) {
        let masterKey = MasterKey.generate()
        let split = try masterKey.split(shares: shares, threshold: threshold)
        var configuration = SealConfiguration(
            kind: .shamir, shares: shares, threshold: threshold, keyCheckValue: masterKey.keyCheckValue, createdAt: now)
        // Kept so a share of another split is refused on arrival, without
        // disturbing the progress of the genuine ones.
        configuration.shareSetID = split.first?.setID
        return (configuration, masterKey, split)
    }

    /// M of N shares, share i wrapped by `keystores[i]`: any M reachable keystores unseal.
    public static func shardKeystores(_ keystores: [any Keystore], threshold: Int, now: Date = Date()) async throws -> (SealConfiguration, MasterKey) {
        let masterKey = MasterKey.generate()
        let split = try masterKey.split(shares: keystores.count, threshold: threshold)
        var wrapped: [Data] = []
        for (share, keystore) in zip(split, keystores) {
            wrapped.append(try await keystore.wrap(share.values, context: KeystoreContext(purpose: .masterKeyShare)))
        }
        var configuration = SealConfiguration(
            kind: .shardKeystores, shares: keystores.count, threshold: threshold, keyCheckValue: masterKey.keyCheckValue, createdAt: now)
        configuration.shardKeystores = keystores.map(\.reference)
        configuration.wrappedShares = wrapped
        configuration.shareSetID = split.first?.setID
        return (configuration, masterKey)
    }

    /// The MasterKey wrapped by one keystore (auto-unseal), or by a dev keystore.
    public static func keystore(_ keystore: any Keystore, kind: SealConfiguration.Kind = .keystore, now: Date = Date()) async throws -> (SealConfiguration, MasterKey) {
        let masterKey = MasterKey.generate()
        var configuration = SealConfiguration(kind: kind, shares: 1, threshold: 1, keyCheckValue: masterKey.keyCheckValue, createdAt: now)
        configuration.sealKeystore = keystore.reference
        configuration.wrappedMasterKey = try await keystore.wrap(masterKey.key, context: KeystoreContext(purpose: .masterKey))
        return (configuration, masterKey)
    }
}
