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
    /// Key usage per tenant and service since this node started, counted from the audit entries written.
    public let usage = UsageRegister()
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
    let autoUnsealFailure = Mutex<String?>(nil)
    /// Why the last unseal was refused by the audit log's check, for `seal-status`.
    let auditRefusal = Mutex<String?>(nil)
    /// The cluster-wide duties this node runs now (``StorageLeadership``).
    let runningDuties = Mutex<Set<String>>([])
    /// What each regional core last reported (at the governance plane).
    public let regionReports = RegionReports()
    /// An operator sealed this server: keystore seals stay sealed until a restart or an explicit unseal.
    let sealedByOperator = Atomic<Bool>(false)
    /// The rekey collecting old shares on this node, if one runs.
    let rekeyAttempt = Mutex<ShareQuorumAttempt?>(nil)
    /// The generate-root collecting shares on this node, if one runs.
    let generateRootAttempt = Mutex<ShareQuorumAttempt?>(nil)
    /// Moves records to the barrier key's active term after a rotation.
    public let barrierReencryption = BarrierReencryption()

    /// What is in memory only while unsealed.
    public struct Unsealed: Sendable {
        public let keyChain: KeyChain
        public let identities: IdentityDirectory
        public let masterKey: MasterKey
    }

    enum Phase: Sendable {
        case uninitialized
        case sealed(SealConfiguration, Unsealer)
        /// The MasterKey is known and the stores are opening: a second unseal waits its turn out.
        case unsealing(SealConfiguration)
        case unsealed(SealConfiguration, Unsealed)
    }

    let phase: Mutex<Phase>

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
    /// The time, for pending approvals' expiry, new key versions and the rotation schedule (a test clock in tests).
    package let now: @Sendable () -> Date
    /// The platform's rotation policy (`[rotation]`), under every tenant's and service's own.
    public let rotationDefaults: RotationDefaults

    public init(
        backend: any Storage, keystores: KeystoreRegistry, auditLog: AuditLogFile, configuredSeal: (any Keystore)? = nil,
        l1GracePeriod: Duration = .seconds(60), nodeID: String? = nil, freshnessBound: Duration = .seconds(1), plane: ServerPlane = .all,
        region: RegionID? = nil, l1Policy: L1LinkPolicy = L1LinkPolicy(), approvalPolicy: ApprovalPolicy = ApprovalPolicy(),
        rotationDefaults: RotationDefaults = RotationDefaults(), clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        guard (plane == .crypto) == (region != nil) else { throw SealError.misconfigured("a regional core (--plane crypto), and only one, serves a region") }
        self.plane = plane
        self.region = region
        self.l1Policy = l1Policy
        self.approvalPolicy = approvalPolicy
        self.rotationDefaults = rotationDefaults
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
}
