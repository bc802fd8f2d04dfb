import Crypto
public import Foundation

/// Makes a new MasterKey and the seal configuration that protects it.
public enum SealInitializer {
    /// M of N shares for operators. The shares are returned once and never stored.
    /// The shares are of an unseal key that wraps the MasterKey (``UnsealKey``), so a rekey can replace them.
    public static func shamir(shares: Int, threshold: Int, now: Date = Date()) throws -> (SealConfiguration, MasterKey, [ShamirShare]) {
        let masterKey = MasterKey.generate()
        let configuration = SealConfiguration(
            kind: .shamir, shares: shares, threshold: threshold, keyCheckValue: masterKey.keyCheckValue, createdAt: now)
        let (split, rekeyed) = try splitUnsealKey(configuration, masterKey: masterKey, shares: shares, threshold: threshold)
        return (rekeyed, masterKey, split)
    }

    /// New operator shares (`shares`, `threshold`) for the same MasterKey: a
    /// new unseal key wraps it, so the old shares open nothing this
    /// configuration holds. The caller has rebuilt `masterKey` from a quorum
    /// of the old shares. The shares are returned once and never stored.
    public static func rekey(
        _ configuration: SealConfiguration, masterKey: MasterKey, shares: Int, threshold: Int, now: Date = Date()
    ) throws -> (SealConfiguration, [ShamirShare]) {
        guard configuration.kind == .shamir else {
            throw SealError.misconfigured("only a seal with operator shares is rekeyed; this one is \(configuration.kind.rawValue)")
        }
        guard masterKey.keyCheckValue == configuration.keyCheckValue else { throw ShamirError.keyCheckFailed }
        var (split, rekeyed) = try splitUnsealKey(configuration, masterKey: masterKey, shares: shares, threshold: threshold)
        rekeyed.rekeyedAt = now
        return (rekeyed, split)
    }

    private static func splitUnsealKey(
        _ configuration: SealConfiguration, masterKey: MasterKey, shares: Int, threshold: Int
    ) throws -> ([ShamirShare], SealConfiguration) {
        let unsealKey = SymmetricKey(size: .bits256)
        let split = try ShamirSplitter.split(unsealKey, shares: shares, threshold: threshold)
        guard let setID = split.first?.setID else { throw ShamirError.tooFewShares(given: 0, threshold: threshold) }
        var configuration = configuration
        configuration.shares = shares
        configuration.threshold = threshold
        // Kept so a share of another split is refused on arrival, without
        // disturbing the progress of the genuine ones.
        configuration.shareSetID = setID
        configuration.wrappedMasterKey = try UnsealKey.seal(masterKey, under: unsealKey, setID: setID)
        return (split, configuration)
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
