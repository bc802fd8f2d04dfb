public import Foundation
public import OpenKCMCore
import Synchronization

/// The Krypton core's state: sealed or unsealed, and what exists only while
/// unsealed (the key chain, the identity directory, the open audit log).
///
/// Init and unseal follow `vault operator`: init makes the MasterKey and hands
/// out the shares once; unseal takes one share per call from any caller until
/// the threshold, or unwraps the MasterKey with the seal keystore at start.
public final class ServerCore: Sendable {
    public let backend: any Storage
    public let barrier: SealedStorage
    public let keystores: KeystoreRegistry
    public let auditLog: AuditLogFile
    /// Serialises read-modify-write of one KMIP managed object (by storage key).
    package let objectLocks = KeyedAsyncLock<String>()
    /// Decoded KMIP object records (never key material), see ``KMIPObjectRecordCache``.
    let kmipRecords: KMIPObjectRecordCache
    /// The CAs KMIP client certificates may chain to, see ``KMIPClientTrust``.
    public let kmipClientTrust = KMIPClientTrust()
    /// Data keys destroyed one by one (their blobs' digests), see ``DestroyedDataKeys``.
    let revokedDataKeys: RevokedDataKeys
    /// Set when the store is shared with other nodes (it announces their
    /// changes, ``StorageChangeFeed``): how long memory is trusted without
    /// asking the store (``StoreFreshness``).
    public let freshness: StoreFreshness?
    /// The keystore named by `--seal`: init wraps the MasterKey with it instead of making shares.
    public let configuredSeal: (any Keystore)?
    /// Why the last auto-unseal failed (cleared when one succeeds), for `seal-status`.
    private let autoUnsealFailure = Mutex<String?>(nil)
    /// Why the last unseal was refused by the audit log's check, for `seal-status`.
    private let auditRefusal = Mutex<String?>(nil)
    /// The cluster-wide duties this node runs now (``StorageLeadership``).
    private let runningDuties = Mutex<Set<String>>([])
    /// What each regional core last reported (at the governance plane).
    public let regionReports = RegionReports()
    /// An operator sealed this server: keystore seals stay sealed until a restart or an explicit unseal.
    private let sealedByOperator = Atomic<Bool>(false)

    /// What is in memory only while unsealed.
    public struct Unsealed: Sendable {
        public let keyChain: KeyChain
        public let identities: IdentityDirectory
        public let masterKey: MasterKey
    }

    private enum Phase: Sendable {
        case uninitialized
        case sealed(SealConfiguration, Unsealer)
        /// The MasterKey is known and the stores are opening: a second unseal waits its turn out.
        case unsealing(SealConfiguration)
        case unsealed(SealConfiguration, Unsealed)
    }

    private let phase: Mutex<Phase>

    /// Reads the seal configuration; the core starts sealed (or uninitialized).
    /// How long an unreachable L1 is tolerated before its tenant locks.
    public let l1GracePeriod: Duration
    /// This node's id among the replicas sharing a store (``NodeIdentity``);
    /// nil for a node with a store of its own.
    public let nodeID: String?
    /// The plane this process plays; its store says the same (``planeKey``) or it does not unseal.
    public let plane: ServerPlane
    /// The region a `--plane crypto` core serves (nil on the other planes);
    /// its store says the same, and every L1 call of its tenants names it.
    public let region: RegionID?
    /// Which keys tenants may link as L1, from the keystore connections' `use`, `tenants` and `keys`.
    public let l1Policy: L1LinkPolicy
    /// Four-eyes for destructive acts (`[approvals]`); off (1) by default.
    public let approvalPolicy: ApprovalPolicy
    /// The time, for pending approvals' expiry (a test clock in tests).
    package let now: @Sendable () -> Date

    public init(
        backend: any Storage, keystores: KeystoreRegistry, auditLog: AuditLogFile, configuredSeal: (any Keystore)? = nil,
        l1GracePeriod: Duration = .seconds(60), nodeID: String? = nil, freshnessBound: Duration = .seconds(1), plane: ServerPlane = .all,
        region: RegionID? = nil, l1Policy: L1LinkPolicy = L1LinkPolicy(), approvalPolicy: ApprovalPolicy = ApprovalPolicy(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        guard (plane == .crypto) == (region != nil) else { throw SealError.misconfigured("a regional core (--plane crypto), and only one, serves a region") }
        self.plane = plane
        self.region = region
        self.l1Policy = l1Policy
        self.approvalPolicy = approvalPolicy
        self.now = clock
        let freshness = backend is any StorageChangeFeed ? StoreFreshness(backend: backend, bound: freshnessBound) : nil
        self.freshness = freshness
        self.kmipRecords = KMIPObjectRecordCache(lifetime: freshness?.bound ?? .seconds(2))
        self.revokedDataKeys = RevokedDataKeys(lifetime: freshness?.bound ?? .seconds(5))
        self.l1GracePeriod = l1GracePeriod
        self.nodeID = nodeID
        self.backend = backend
        // Shared with other nodes: a read the store does not answer is a refusal within the bound, not a hang.
        self.barrier = SealedStorage(backend: freshness.map { DeadlineStorage(backend, readDeadline: $0.bound / 2) } ?? backend)
        self.keystores = keystores
        self.auditLog = auditLog
        self.configuredSeal = configuredSeal
        if let configuredSeal { keystores.register(configuredSeal) }
        if let data = try await backend.get(SealConfiguration.storageKey) {
            let configuration = try JSONDecoder().decode(SealConfiguration.self, from: data)
            phase = Mutex(.sealed(configuration, Unsealer(configuration: configuration)))
        } else {
            phase = Mutex(.uninitialized)
        }
    }

    // MARK: Status

    public var status: SealStatus {
        var status = phase.withLock { phase in
            switch phase {
            case .uninitialized:
                SealStatus(initialized: false, sealed: true, kind: nil, threshold: nil, shares: nil, progress: 0)
            case .sealed(let configuration, let unsealer):
                SealStatus(initialized: true, sealed: true, kind: configuration.kind.rawValue, threshold: configuration.threshold,
                           shares: configuration.shares, progress: unsealer.progress)
            case .unsealing(let configuration):
                SealStatus(initialized: true, sealed: true, kind: configuration.kind.rawValue, threshold: configuration.threshold,
                           shares: configuration.shares, progress: 0)
            case .unsealed(let configuration, let unsealed):
                SealStatus(initialized: true, sealed: false, kind: configuration.kind.rawValue, threshold: configuration.threshold,
                           shares: configuration.shares, progress: 0, masterKeyCheck: unsealed.masterKey.keyCheckValue.description)
            }
        }
        status.node = nodeID
        if status.sealed { status.autoUnsealError = autoUnsealFailure.withLock { $0 } }
        status.auditError = status.sealed ? auditRefusal.withLock { $0 } : auditLog.failure
        return status
    }

    /// The keys that seal the MasterKey or hold its shards: the configured seal, and
    /// whatever the stored seal configuration names. None of them is ever an L1.
    public var sealKeystoreReferences: [KeystoreReference] {
        let stored: SealConfiguration? = phase.withLock { phase in
            switch phase {
            case .uninitialized: nil
            case .sealed(let configuration, _), .unsealing(let configuration), .unsealed(let configuration, _): configuration
            }
        }
        return [configuredSeal?.reference, stored?.sealKeystore].compactMap { $0 } + (stored?.shardKeystores ?? [])
    }

    /// Throws unless `tenant` may link `l1` (``l1Policy``, and never a seal or shard key).
    public func checkL1Link(_ l1: KeystoreReference, tenant: TenantID) throws(L1PolicyError) {
        try l1Policy.check(l1, tenant: tenant, reserved: sealKeystoreReferences)
    }

    /// ``status`` with, on a shared store, the nodes up and this node's duties.
    public func statusWithPeers() async -> SealStatus {
        var status = status
        guard let feed = backend as? any StorageChangeFeed, freshness != nil else { return status }
        status.peers = try? await feed.listeners()
        status.duties = runningDuties.withLock { $0.sorted() }
        return status
    }

    /// Whether the shared store answers (within half the freshness bound, at
    /// most one read per bound); always true for a store of this node's own.
    public func storeAnswers() async -> Bool {
        guard let freshness else { return true }
        return (try? await freshness.generation(of: .system("audit"))) != nil
    }

    /// Notes that this node took on (or gave up) a cluster-wide duty.
    public func setRunning(_ duty: String, _ running: Bool) {
        runningDuties.withLock { duties in
            if running { duties.insert(duty) } else { duties.remove(duty) }
        }
    }

    /// Whether a background retry may auto-unseal now: sealed, a keystore seal,
    /// and not sealed on purpose by an operator.
    public var wantsAutoUnseal: Bool {
        let status = status
        return status.initialized && status.sealed && status.kind != SealConfiguration.Kind.shamir.rawValue
            && !sealedByOperator.load(ordering: .relaxed)
    }

    /// The unsealed state, or ``BarrierError/sealed``.
    public func unsealed() throws(BarrierError) -> Unsealed {
        try phase.withLock { phase throws(BarrierError) -> Unsealed in
            guard case .unsealed(_, let unsealed) = phase else { throw .sealed }
            return unsealed
        }
    }

    // MARK: Init

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
    /// unseals like the others. Nothing changes once a configuration is known.
    public func refreshSealConfiguration() async {
        guard case .uninitialized = phase.withLock({ $0 }) else { return }
        guard let data = try? await backend.get(SealConfiguration.storageKey),
              let configuration = try? JSONDecoder().decode(SealConfiguration.self, from: data) else { return }
        phase.withLock { phase in
            if case .uninitialized = phase { phase = .sealed(configuration, Unsealer(configuration: configuration)) }
        }
    }

    private func commitInitialization(_ configuration: SealConfiguration, masterKey: MasterKey) async throws -> String {
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

    // MARK: Unseal and seal

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
    private func unseal(with masterKey: MasterKey) async throws {
        let configuration = phase.withLock { phase -> SealConfiguration? in
            guard case .sealed(let configuration, _) = phase else { return nil }
            phase = .unsealing(configuration)
            return configuration
        }
        guard let configuration else { return }  // another caller is unsealing, or did
        do {
            _ = try await openUnsealed(configuration, masterKey: masterKey)
            // The generation the store is at, for the check at the next unseal (a new store has none to
            // record). Best effort: a log that cannot be written refuses every operation anyway.
            if let generation = try? await barrier.generation() { try? await recordStoreGeneration("barrier.open", generation) }
        } catch {
            closeStores()
            phase.withLock { $0 = .sealed(configuration, Unsealer(configuration: configuration)) }
            throw error
        }
    }

    private func closeStores() {
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

    private func sealNow() {
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
    private func recordStoreGeneration(_ operation: String, _ generation: UInt64) async throws {
        try await auditLog.append(
            AuditEntry(time: Date(), correlationID: RandomUUID.make(), identity: "openkcm", operation: operation,
                       outcome: .success, count: generation),
            sync: true)
    }

    /// Runs one of the unseal's checks against the audit log; its refusal is kept for `seal-status`.
    private func recordingAuditRefusal<Result>(_ body: () async throws -> Result) async throws -> Result {
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
    private var planeRecord: String { region.map { "\(plane.rawValue)/\($0)" } ?? plane.rawValue }

    private func checkPlane() async throws {
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

    private func openUnsealed(_ configuration: SealConfiguration, masterKey: MasterKey) async throws -> Unsealed {
        barrier.unseal(with: masterKey)
        let barrier = self.barrier
        // The store root is checked (or, for a store from before record versions, built) now,
        // so a store whose index was deleted or tampered with stays sealed with the reason.
        // A store without an index is indexed (trusting its records as they are) only when the audit log
        // never recorded a store generation: a server that wrote one had an index, so it was deleted.
        let recorded = try await recordingAuditRefusal { try await auditLog.recordedStoreGeneration(masterKey: masterKey) }
        let generation = try await barrier.openIndex(allowMigration: recorded == nil)
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
            keyChain: KeyChain(storage: barrier, keystores: keystores, l1GracePeriod: l1GracePeriod, freshness: freshness, region: region),
            identities: IdentityDirectory(storage: barrier, masterKey: masterKey, cacheLifetime: freshness?.bound ?? .seconds(5)),
            masterKey: masterKey
        )
        phase.withLock { $0 = .unsealed(configuration, unsealed) }
        return unsealed
    }
}

/// What `/v1/sys/seal-status` reports.
public struct SealStatus: Sendable, Hashable, Codable {
    public var initialized: Bool
    public var sealed: Bool
    public var kind: String?
    public var threshold: Int?
    public var shares: Int?
    /// Shares given toward the threshold so far.
    public var progress: Int
    /// While sealed: why the last auto-unseal failed (a keystore refused, is
    /// disabled or unreachable, or fewer than the threshold of shard keystores answered).
    public var autoUnsealError: String? = nil
    /// This node's id among the replicas sharing a store; nil for a node with a store of its own.
    public var node: String? = nil
    /// On a shared store: the nodes listening to it now (this one included), and
    /// the cluster-wide duties this node runs (`l1-status`).
    public var peers: [String]? = nil
    public var duties: [String]? = nil
    /// Why the audit log refuses: while sealed, why the last unseal found the
    /// log broken against its checkpoint (the server does not unseal over it);
    /// while unsealed, a write failure that refuses operations until it passes.
    public var auditError: String? = nil
    /// While unsealed: the check value of the MasterKey in use (it checked out
    /// at unseal), which backups name and `backup restore --master-key-check`
    /// asks for. Not shown while sealed: the stored seal configuration is not
    /// authenticated until a MasterKey opens the store.
    public var masterKeyCheck: String? = nil
}
