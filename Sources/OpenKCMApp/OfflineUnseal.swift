import Foundation
public import OpenKCMCore

/// The MasterKey of a store no server runs on (a backup being restored),
/// rebuilt as that store's server would: from operators' shares, from the
/// shard keystores, or from the seal keystore, named by the configuration
/// the restored node will run with.
public enum OfflineUnseal {
    /// - Parameters:
    ///   - keystores: the `[keystores.<name>]` sections of the node's configuration.
    ///   - seal: its `[server] seal` (`provider:key` or `software:<key file>`).
    ///   - nextShare: the next hex share, or nil when there are no more (standard input).
    public static func masterKey(
        _ configuration: SealConfiguration, keystores: [String: [String: String]], seal: String?, nextShare: () -> String?
    ) async throws -> MasterKey {
        let registry = KeystoreRegistry()
        switch configuration.kind {
        case .shamir:
            let unsealer = Unsealer(configuration: configuration)
            var given = 0
            while let line = nextShare()?.trimmingCharacters(in: .whitespaces) {
                if line.isEmpty { continue }
                guard let bytes = [UInt8](hex: line) else { throw SealError.misconfigured("share \(given + 1) is not hex, as init printed it") }
                given += 1
                if let masterKey = try unsealer.submit(try ShamirShare(encoded: bytes)) { return masterKey }
            }
            throw ShamirError.tooFewShares(given: given, threshold: configuration.threshold)
        case .shardKeystores:
            try KeystoreProviders.register(keystores, into: registry)
            return try await Unsealer.unsealWithShardKeystores(configuration, keystores: registry)
        case .keystore:
            try KeystoreProviders.register(keystores, into: registry)
            guard let seal else { throw SealError.misconfigured("the store auto-unseals: give the configuration's [server] seal") }
            let keystore = try SealKeystoreLoader.keystore(seal, registry: registry, creatingKeyFile: false)
            registry.register(keystore)
            return try await Unsealer.unsealWithKeystore(configuration, keystores: registry)
        case .dev:
            throw SealError.misconfigured("a dev store's MasterKey died with its server: it cannot be restored")
        }
    }
}
