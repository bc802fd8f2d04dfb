import Foundation
public import OpenKCMCore
import Synchronization

/// Initialising the store: the seal configuration, the MasterKey, and the first root token.
extension ServerCore {

    /// Initializes with M of N Shamir shares and unseals. Returns the shares
    /// (to be shown once) and a root token.
    public func initializeShamir(shares: Int, threshold: Int) async throws -> (shares: [ShamirShare], rootToken: String) {
        let (configuration, masterKey, split) = try SealInitializer.shamir(shares: shares, threshold: threshold)
        let rootToken = try await commitInitialization(configuration, masterKey: masterKey)
        return (split, rootToken)
    }

    /// Initializes with M of N shares each wrapped by its own keystore, so any M
    /// reachable keystores unseal without people. Returns a root token.
    public func initializeWithShardKeystores(_ references: [KeystoreReference], threshold: Int) async throws -> String {
        let keystores = try references.map { try self.keystores.keystore(for: $0) }
        guard Set(references).count == references.count else {
            throw SealError.misconfigured("each share needs its own keystore")
        }
        let (configuration, masterKey) = try await SealInitializer.shardKeystores(keystores, threshold: threshold)
        return try await commitInitialization(configuration, masterKey: masterKey)
    }

    /// Initializes with the MasterKey wrapped by one keystore (auto-unseal, or
    /// the dev seal) and unseals. Returns a root token.
    public func initializeWithKeystore(_ keystore: any Keystore, kind: SealConfiguration.Kind = .keystore) async throws -> String {
        let (configuration, masterKey) = try await SealInitializer.keystore(keystore, kind: kind)
        return try await commitInitialization(configuration, masterKey: masterKey)
    }

    /// A node that started before the store was initialized (by another node
    /// sharing it) reads the seal configuration again: it is then sealed and
    /// unseals like the others. Once a configuration is known, only a rekey
    /// elsewhere changes it (see ``reloadRekeyedConfiguration()``).
    public func refreshSealConfiguration() async {
        guard case .uninitialized = phase.withLock({ $0 }) else {
            await reloadRekeyedConfiguration()
            return
        }
        guard let data = try? await backend.get(SealConfiguration.storageKey),
              let configuration = try? JSONDecoder().decode(SealConfiguration.self, from: data) else { return }
        phase.withLock { phase in
            if case .uninitialized = phase { phase = .sealed(configuration, Unsealer(configuration: configuration)) }
        }
    }

    func commitInitialization(_ configuration: SealConfiguration, masterKey: MasterKey) async throws -> String {
        await refreshSealConfiguration()
        let isNew = phase.withLock { phase -> Bool in
            guard case .uninitialized = phase else { return false }
            // Claim the slot so a concurrent init fails.
            phase = .unsealing(configuration)
            return true
        }
        guard isNew else { throw SealError.alreadyInitialized }
        do {
            // Only if no node sharing the store initialized it meanwhile: one init wins.
            try await backend.write([.put(key: SealConfiguration.storageKey, value: JSONEncoder().encode(configuration))],
                                    if: [.absent(key: SealConfiguration.storageKey)])
        } catch StorageError.conditionFailed {
            phase.withLock { $0 = .uninitialized }
            await refreshSealConfiguration()
            throw SealError.alreadyInitialized
        } catch {
            phase.withLock { $0 = .uninitialized }
            throw error
        }
        do {
            let unsealed = try await openUnsealed(configuration, masterKey: masterKey)
            let (_, token) = try await unsealed.identities.create(name: "root", role: .root)
            return token
        } catch {
            // Undo everything: a half-initialised server whose shares were never shown could never be unsealed.
            closeStores()
            try? await backend.delete(SealConfiguration.storageKey)
            phase.withLock { $0 = .uninitialized }
            throw error
        }
    }
}
