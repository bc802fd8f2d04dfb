import Crypto
import Foundation
public import OpenKCMCore
import Synchronization

/// What a quorum of operator shares does on an unsealed server, as
/// `vault operator rekey` and `generate-root` do: replace the shares (new N
/// and M for the same MasterKey), or make a new root token when none is left.
/// Each runs as one attempt per node with a nonce; the shares are checked as
/// at unseal (same set, same check value) and forgotten once combined.
extension ServerCore {
    /// Runs just before a quorum acts (stores a configuration, makes a root
    /// identity): the caller's audit entry, written and synced; when it
    /// throws, nothing is done.
    public typealias BeforeActing = @Sendable () async throws -> Void

    /// The seal configuration of an unsealed server with operator shares, and what it holds unsealed.
    private func operatorSeal() throws -> (SealConfiguration, Unsealed) {
        try phase.withLock { phase throws -> (SealConfiguration, Unsealed) in
            switch phase {
            case .uninitialized: throw SealError.notInitialized
            case .sealed, .unsealing: throw BarrierError.sealed
            case .unsealed(let configuration, let unsealed):
                guard configuration.kind == .shamir else { throw SealError.notOperatorShares(configuration.kind.rawValue) }
                return (configuration, unsealed)
            }
        }
    }

    /// The seal configuration as stored now, and its generation. An unsealed node that finds it changed by
    /// another node (a rekey there) takes it, so its status and its next attempts use the new shares.
    private func storedSeal() async throws -> (SealConfiguration, UInt64) {
        guard let data = try await backend.get(SealConfiguration.storageKey) else { throw SealError.notInitialized }
        let stored = try JSONDecoder().decode(SealConfiguration.self, from: data)
        let generation = try await backend.get(SealConfiguration.generationKey).flatMap { StorageCondition.version(of: $0) } ?? 0
        phase.withLock { phase in
            if case .unsealed(let configuration, let unsealed) = phase, configuration.keyCheckValue == stored.keyCheckValue,
               configuration.shareSetID != stored.shareSetID {
                phase = .unsealed(stored, unsealed)
            }
        }
        return (stored, generation)
    }

    // MARK: Rekey

    /// Starts a rekey for `initiator`: a quorum of the current shares, each
    /// naming the returned nonce, gets `shares` new shares with `threshold`
    /// (encrypted to `custodians`, one per share; without them, only the
    /// initiator may give the share that completes the quorum, as the new
    /// shares then leave in the clear); a quorum of the new shares, under
    /// the next nonce, then makes them the unseal shares.
    public func startRekey(shares: Int, threshold: Int, custodians: [String], initiator: String) async throws -> ShareQuorumStatus {
        _ = try operatorSeal()
        let (configuration, generation) = try await storedSeal()
        // The new split is checked now, before anyone gives a share for it.
        _ = try ShamirSplitter.split(.init(size: .bits256), shares: shares, threshold: threshold)
        guard custodians.isEmpty || custodians.count == shares else {
            throw SealError.misconfigured("give exactly one public key per new share (\(shares))")
        }
        let now = self.now()
        let started = try ShareQuorumAttempt(
            configuration: configuration, sealGeneration: generation, startedAt: now, initiator: initiator, newShares: shares,
            newThreshold: threshold, custodians: custodians)
        return try rekeyAttempt.withLock { attempt throws -> ShareQuorumStatus in
            if let running = attempt, !running.expired(at: now) { throw SealError.attemptRunning("rekey") }
            attempt = started
            return started.status
        }
    }

    /// The running rekey, if any.
    public var rekeyStatus: ShareQuorumStatus { status(of: rekeyAttempt) }

    /// Cancels the running rekey (its collected shares are forgotten; nothing changed).
    public func cancelRekey() {
        rekeyAttempt.withLock { $0 = nil }
    }

    /// Adds one share to the rekey `nonce`, from `caller` (an identity id, or
    /// nil without a token). In the first stage the shares are current ones: at
    /// the quorum a new unseal key is split into the new shares (answered once,
    /// with the nonce of the second stage), and nothing is stored yet. In the
    /// second they are new ones: at the quorum the new configuration is stored
    /// (only on top of the one the rekey started from) and the old shares open
    /// nothing from then on.
    public func submitRekeyShare(
        _ share: ShamirShare, nonce: String, caller: String?, beforeActing: BeforeActing
    ) async throws -> ShareQuorumStatus {
        let (attempt, masterKey) = try await collect(share, nonce: nonce, in: rekeyAttempt, "rekey")
        guard let masterKey else { return attempt.status }
        switch attempt.stage {
        case .current:
            // Without custodians' keys the new shares leave in the clear: only to whoever started the rekey.
            guard !attempt.custodians.isEmpty || (caller != nil && caller == attempt.initiator) else {
                throw SealError.attemptCancelled(
                    "its new shares would have gone in the clear to someone other than who started it; start it again with share public keys, or give the last share with the starter's token")
            }
            let (current, _) = try operatorSeal()
            let (rekeyed, split) = try SealInitializer.rekey(
                current, masterKey: masterKey, shares: attempt.newShares ?? current.shares, threshold: attempt.newThreshold ?? current.threshold,
                now: now())
            let shares: [String]
            if attempt.custodians.isEmpty {
                shares = split.map { $0.withEncodedBytes { $0.hexString } }
            } else {
                shares = try zip(split, attempt.custodians).map { try CustodianKey(pem: $1).encrypt($0).base64EncodedString() }
            }
            let verification = attempt.verifying(rekeyed, at: now())
            rekeyAttempt.withLock { $0 = verification }
            var status = verification.status
            status.shares = shares
            return status
        case .verifying(let rekeyed):
            try await beforeActing()
            var generation = [UInt8](repeating: 0, count: 8)
            for index in 0..<8 { generation[index] = UInt8(truncatingIfNeeded: (attempt.sealGeneration + 1) >> UInt64(56 - 8 * index)) }
            let condition: StorageCondition = attempt.sealGeneration == 0
                ? .absent(key: SealConfiguration.generationKey) : .version(key: SealConfiguration.generationKey, attempt.sealGeneration)
            do {
                try await backend.write([.put(key: SealConfiguration.storageKey, value: JSONEncoder().encode(rekeyed)),
                                         .put(key: SealConfiguration.generationKey, value: Data(generation))], if: [condition])
            } catch StorageError.conditionFailed {
                throw SealError.attemptCancelled("another node changed the seal configuration since this rekey started")
            }
            phase.withLock { phase in
                if case .unsealed(_, let unsealed) = phase { phase = .unsealed(rekeyed, unsealed) }
            }
            // A generate-root collecting the old shares is void now.
            generateRootAttempt.withLock { $0 = nil }
            var status = attempt.status
            status.progress = rekeyed.threshold
            status.complete = true
            return status
        }
    }

    // MARK: Generate root

    /// Starts a generate-root: a quorum of the current shares, each naming the
    /// returned nonce, makes a new root identity whose token is encrypted to
    /// `recipient` (so only whoever holds its private key reads it, not the
    /// last share holder). Share holders check the recipient's fingerprint
    /// in the status before they give their share.
    public func startGenerateRoot(recipient: String) async throws -> ShareQuorumStatus {
        _ = try operatorSeal()
        let (configuration, generation) = try await storedSeal()
        let now = self.now()
        let started = try ShareQuorumAttempt(configuration: configuration, sealGeneration: generation, startedAt: now, recipient: recipient)
        return try generateRootAttempt.withLock { attempt throws -> ShareQuorumStatus in
            if let running = attempt, !running.expired(at: now) { throw SealError.attemptRunning("generate-root") }
            attempt = started
            return started.status
        }
    }

    public var generateRootStatus: ShareQuorumStatus { status(of: generateRootAttempt) }

    public func cancelGenerateRoot() {
        generateRootAttempt.withLock { $0 = nil }
    }

    /// Who made a root identity from shares: it approves nothing (four-eyes
    /// cannot know whom of the share holders it stands for), though identities it makes may.
    public static let generatedRootCreator = "generate-root"

    /// Adds one share to the generate-root `nonce`; at the quorum, makes the
    /// root identity (24 hours, renewable) and answers its token encrypted to the recipient.
    public func submitGenerateRootShare(
        _ share: ShamirShare, nonce: String, beforeActing: BeforeActing
    ) async throws -> (status: ShareQuorumStatus, identity: Identity?) {
        let (attempt, masterKey) = try await collect(share, nonce: nonce, in: generateRootAttempt, "generate-root")
        guard masterKey != nil, let recipient = attempt.recipient else { return (attempt.status, nil) }
        let (_, unsealed) = try operatorSeal()
        try await beforeActing()
        let stamp = ISO8601DateFormatter().string(from: now())
        let (identity, token) = try await unsealed.identities.create(
            name: "root (generated \(stamp))", role: .root, lifetime: Operations.peopleLifetime, createdBy: Self.generatedRootCreator)
        var status = attempt.status
        status.progress = attempt.unsealer.threshold
        status.complete = true
        status.encryptedToken = try CustodianKey(pem: recipient).encrypt(token: token).base64EncodedString()
        return (status, identity)
    }

    private func status(of slot: borrowing Mutex<ShareQuorumAttempt?>) -> ShareQuorumStatus {
        let now = self.now()
        return slot.withLock { attempt in
            if let running = attempt, running.expired(at: now) { attempt = nil }
            return attempt?.status ?? .none
        }
    }

    /// Adds `share` to the attempt `nonce` in `slot`. Returns the attempt and,
    /// at the quorum, the MasterKey the shares rebuild, checked against the
    /// one in memory; the attempt is then over (dropped), whatever follows.
    /// An attempt whose shares are no longer the stored configuration's (a
    /// rekey since, here or on another node) is void.
    private func collect(
        _ share: ShamirShare, nonce: String, in slot: borrowing Mutex<ShareQuorumAttempt?>, _ what: String
    ) async throws -> (ShareQuorumAttempt, MasterKey?) {
        let (_, unsealed) = try operatorSeal()
        let (stored, _) = try await storedSeal()
        let now = self.now()
        let attempt = try slot.withLock { attempt throws -> ShareQuorumAttempt in
            guard let running = attempt, !running.expired(at: now), running.nonce.utf8.elementsEqual(nonce.utf8) else {
                throw SealError.noSuchAttempt(what)
            }
            guard running.baseShareSetID == stored.shareSetID else {
                attempt = nil
                throw SealError.attemptCancelled("the unseal shares were replaced since it started")
            }
            return running
        }
        guard let masterKey = try attempt.unsealer.submit(share) else { return (attempt, nil) }
        slot.withLock { current in
            if current?.nonce == attempt.nonce { current = nil }
        }
        guard masterKey.keyCheckValue == unsealed.masterKey.keyCheckValue else { throw ShamirError.keyCheckFailed }
        return (attempt, masterKey)
    }
}

extension ServerCore {
    /// Starts moving records to the barrier key's active term, unless one runs or none is due.
    func startBarrierReencryption() {
        let auditLog = self.auditLog
        barrierReencryption.start(barrier: barrier, clock: now) { term, rewritten in
            try? await auditLog.append(
                AuditEntry(time: Date(), correlationID: RandomUUID.make(), identity: "openkcm", operation: "barrier.reencrypted",
                           key: "term \(term)", outcome: .success, count: UInt64(rewritten)),
                sync: true)
        }
    }
}
