import Foundation
public import OpenKCMCore
import Synchronization

/// Unsealing (operator shares, shard keystores, one keystore) and sealing, and what unsealing checks:
/// the plane, the store's index and generation, and the audit log against its sealed checkpoint.
extension ServerCore {

    /// Adds one operator share; unseals at the threshold. `unsealedNow` says
    /// whether this very share completed the unseal.
    public func submitShare(_ share: ShamirShare) async throws -> (status: SealStatus, unsealedNow: Bool) {
        await refreshSealConfiguration()
        let unsealer = try phase.withLock { phase throws -> Unsealer? in
            switch phase {
            case .uninitialized: throw SealError.notInitialized
            case .unsealed, .unsealing: return nil
            case .sealed(let configuration, let unsealer):
                guard configuration.kind == .shamir else {
                    throw SealError.misconfigured("this server unseals with its \(configuration.kind.rawValue) seal, not with operator shares")
                }
                return unsealer
            }
        }
        guard let unsealer else { return (status, false) }
        guard let masterKey = try unsealer.submit(share) else { return (status, false) }
        try await unseal(with: masterKey)
        return (status, true)
    }

    /// Unseals without people: the seal keystore, or M shard keystores.
    public func autoUnseal() async throws {
        await refreshSealConfiguration()
        let configuration = try phase.withLock { phase throws -> SealConfiguration? in
            switch phase {
            case .uninitialized: throw SealError.notInitialized
            case .unsealed, .unsealing: return nil
            case .sealed(let configuration, _): return configuration
            }
        }
        guard let configuration else { return }
        do {
            let masterKey: MasterKey
            switch configuration.kind {
            case .keystore, .dev: masterKey = try await Unsealer.unsealWithKeystore(configuration, keystores: keystores)
            case .shardKeystores: masterKey = try await Unsealer.unsealWithShardKeystores(configuration, keystores: keystores)
            case .shamir: throw SealError.misconfigured("this server unseals with operator shares")
            }
            try await unseal(with: masterKey)
            autoUnsealFailure.withLock { $0 = nil }
            sealedByOperator.store(false, ordering: .relaxed)
        } catch {
            autoUnsealFailure.withLock { $0 = "\(error)" }
            throw error
        }
    }

    /// Moves sealed -> unsealing -> unsealed; on any failure back to sealed with nothing left open.
    func unseal(with masterKey: MasterKey) async throws {
        let configuration = phase.withLock { phase -> SealConfiguration? in
            guard case .sealed(let configuration, _) = phase else { return nil }
            phase = .unsealing(configuration)
            return configuration
        }
        guard let configuration else { return }  // another caller is unsealing, or did
        do {
            _ = try await openUnsealed(configuration, masterKey: masterKey)
            // A rotation whose re-encryption did not finish before the last seal goes on.
            startBarrierReencryption()
            // The generation the store is at, for the check at the next unseal (a new store has none to
            // record). Best effort: a log that cannot be written refuses every operation anyway.
            if let generation = try? await barrier.generation() { try? await recordStoreGeneration("barrier.open", generation) }
        } catch {
            closeStores()
            phase.withLock { $0 = .sealed(configuration, Unsealer(configuration: configuration)) }
            throw error
        }
    }

    /// A sealed node sharing its store with another that was rekeyed meanwhile
    /// takes the new shares: the stored configuration is read again when its
    /// share set differs from the one in memory (progress starts over).
    func reloadRekeyedConfiguration() async {
        guard case .sealed = phase.withLock({ $0 }) else { return }
        guard let data = try? await backend.get(SealConfiguration.storageKey),
              let stored = try? JSONDecoder().decode(SealConfiguration.self, from: data) else { return }
        phase.withLock { phase in
            guard case .sealed(let configuration, _) = phase, configuration.kind == stored.kind,
                  configuration.keyCheckValue == stored.keyCheckValue, configuration.shareSetID != stored.shareSetID
            else { return }
            phase = .sealed(stored, Unsealer(configuration: stored))
        }
    }

    func closeStores() {
        barrier.seal()
        auditLog.closeChain()
    }

    /// Seals: stores the audit checkpoint, then drops the MasterKey, every
    /// unwrapped key and the audit key.
    public func seal() async {
        // Anonymous refusals counted since the last summary go into the chain before the audit key is dropped.
        await auditLog.flushAnonymousRefusals()
        // The generation the store reached, so a backup older than it is refused at the next unseal (fsynced).
        if let generation = try? await barrier.generation() { try? await recordStoreGeneration("barrier.seal", generation) }
        await auditLog.syncNow()
        await auditLog.checkpointHead()
        sealedByOperator.store(true, ordering: .relaxed)
        sealNow()
    }

    func sealNow() {
        barrierReencryption.cancel()
        rekeyAttempt.withLock { $0 = nil }
        generateRootAttempt.withLock { $0 = nil }
        phase.withLock { phase in
            guard case .unsealed(let configuration, let unsealed) = phase else { return }
            // Sealed first: a read racing the seal (a subject name key, a tenant) then fails instead of
            // putting keys back into memory after the eviction.
            barrier.seal()
            unsealed.keyChain.evictAll()
            auditLog.closeChain()
            phase = .sealed(configuration, Unsealer(configuration: configuration))
        }
    }

    /// Writes the store generation into the audit log (durably), see ``AuditLogFile/recordedStoreGeneration(masterKey:)``.
    /// With it, the barrier key's active term and keyring version: a keyring put back below it is refused at the next unseal.
    func recordStoreGeneration(_ operation: String, _ generation: UInt64) async throws {
        let keys = try? await barrier.keyStatus()
        try await auditLog.append(
            AuditEntry(time: Date(), correlationID: RandomUUID.make(), identity: "openkcm", operation: operation,
                       key: keys.map { "term \($0.activeTerm) keyring \($0.keyringVersion)" }, outcome: .success, count: generation),
            sync: true)
    }

    /// Runs one of the unseal's checks against the audit log; its refusal is kept for `seal-status`.
    func recordingAuditRefusal<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            auditRefusal.withLock { $0 = "\(error)" }
            throw error
        }
    }

    /// Where a store says which plane it serves (sealed): written at init (or
    /// at the first unseal of a store from before planes), checked at every
    /// unseal, so a governance node never runs on a store with keys and a
    /// node that holds keys never runs on the governance plane's store.
    public static let planeKey = "core/plane"

    /// What ``planeKey`` holds for this server: the plane, and a regional core's region (`crypto/eu-central`).
    var planeRecord: String { region.map { "\(plane.rawValue)/\($0)" } ?? plane.rawValue }

    func checkPlane() async throws {
        let barrier = self.barrier
        let plane = self.plane
        let record = planeRecord
        try await barrier.transaction {
            switch try await barrier.get(Self.planeKey).map({ String(decoding: $0, as: UTF8.self) }) {
            case record?:
                return
            case let other?:
                let parts = other.split(separator: "/", maxSplits: 1)
                let flags = parts.count == 2 ? "--plane \(parts[0]) --region \(parts[1])" : "--plane \(other)"
                throw SealError.misconfigured("this store belongs to the \(other) plane; start this server with \(flags)")
            case nil:
                // A store from before planes were recorded served both: it may stay so, or become the governance
                // plane's or a region's only if it holds no key chain record (a region's L2s are wrapped with
                // the region in their L1 context, so another's could not be opened there anyway).
                if plane != .all, !(try await barrier.list(prefix: "tenants/")).isEmpty {
                    throw SealError.misconfigured("this store holds tenants' keys: the \(plane) plane starts on a store of its own")
                }
                try await barrier.put(Self.planeKey, value: Data(record.utf8))
            }
        }
    }

    /// Where the audit checkpoint of a node with a store of its own lives, in sealed storage.
    public static let auditCheckpointKey = "audit/checkpoint"

    /// Where this node's audit checkpoint lives: each node sharing a store
    /// keeps its own chain, so its own checkpoint (`audit/checkpoints/<node>`).
    public var auditCheckpointPath: String {
        nodeID.map { "audit/checkpoints/\($0)" } ?? Self.auditCheckpointKey
    }

    func openUnsealed(_ configuration: SealConfiguration, masterKey: MasterKey) async throws -> Unsealed {
        barrier.unseal(with: masterKey)
        let barrier = self.barrier
        // The store root is checked (or, for a store from before record versions, built) now,
        // so a store whose index was deleted or tampered with stays sealed with the reason.
        // A store without an index is indexed (trusting its records as they are) only when the audit log
        // never recorded a store generation: a server that wrote one had an index, so it was deleted.
        let recorded = try await recordingAuditRefusal { try await auditLog.recordedStoreGeneration(masterKey: masterKey) }
        let generation = try await barrier.openIndex(allowMigration: recorded == nil)
        // The keyring is outside the index: a copy put back from before a rotation (or none at all) would bring
        // back an older active term; the audit log recorded the term with each generation, and says so.
        if let recorded = try await recordingAuditRefusal({ try await auditLog.recordedKeyringVersion(masterKey: masterKey) }) {
            let found = try await barrier.keyStatus().keyringVersion
            if found < recorded { throw BarrierError.recordRolledBack(key: BarrierKeyring.storageKey, expected: recorded, found: found) }
        }
        // The checkpoint, sealed outside the log, says how far the log reached: a log cut short,
        // regrown after a cut or replaced does not reach it unchanged, and the server stays sealed.
        let stored: AuditHead?
        do {
            stored = try await barrier.get(auditCheckpointPath).map { try JSONDecoder().decode(AuditHead.self, from: $0) }
        } catch let error as DecodingError {
            throw AuditLogError.chainBroken("the sealed checkpoint is unreadable (\(error))")
        }
        try await recordingAuditRefusal {
            try await auditLog.openChain(masterKey: masterKey, checkpoint: stored)
            // The audit log is outside the store and recorded its generation at every unseal and seal:
            // a store older than that was rolled back whole (a backup put back), which the index cannot see.
            if let recorded, recorded > generation { throw BarrierError.storeRolledBack(generation: generation, audited: recorded) }
        }
        auditRefusal.withLock { $0 = nil }
        try await checkPlane()
        let checkpointPath = auditCheckpointPath
        auditLog.setCheckpoint(stored: stored) { head in
            try await barrier.put(checkpointPath, value: JSONEncoder().encode(head))
        }
        try await auditLog.flushSealedBacklog()
        // What another node may have changed while this one was sealed is read afresh.
        freshness?.forgetAll()
        let unsealed = Unsealed(
            keyChain: KeyChain(storage: barrier, keystores: keystores, l1GracePeriod: l1GracePeriod, freshness: freshness, region: region, clock: now),
            identities: IdentityDirectory(storage: barrier, masterKey: masterKey, cacheLifetime: freshness?.bound ?? .seconds(5)),
            masterKey: masterKey
        )
        // The data-key path rotates an L3 whose wrap budget is spent; audited as the schedule's rotations are.
        let log = self.auditLog
        unsealed.keyChain.observeBudgetRotations { rotation in
            let entry = AuditEntry(time: Date(), correlationID: RandomUUID.make(), identity: "openkcm-scheduler",
                                   operation: OperationKind.serviceKeyRotate.rawValue, tenant: rotation.tenant.rawValue,
                                   service: rotation.service.rawValue, key: rotation.auditKey, outcome: .success)
            Task { try? await log.append(entry) }
        }
        phase.withLock { $0 = .unsealed(configuration, unsealed) }
        return unsealed
    }
}
