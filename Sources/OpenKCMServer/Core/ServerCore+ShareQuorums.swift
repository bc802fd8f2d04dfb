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

    /// The seal configuration of an unsealed server with operator shares, and its MasterKey.
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

    // MARK: Rekey

    /// Starts a rekey: from now on a quorum of the current shares, each
    /// naming the returned nonce, gets `shares` new shares with `threshold`
    /// (encrypted to `custodians`, one per share, when given).
    public func startRekey(shares: Int, threshold: Int, custodians: [String]) throws -> ShareQuorumStatus {
        let (configuration, _) = try operatorSeal()
        // The new split is checked now, before anyone gives a share for it.
        _ = try ShamirSplitter.split(.init(size: .bits256), shares: shares, threshold: threshold)
        guard custodians.isEmpty || custodians.count == shares else {
            throw SealError.misconfigured("give exactly one public key per new share (\(shares))")
        }
        for pem in custodians { _ = try CustodianKey(pem: pem) }
        let now = self.now()
        return try rekeyAttempt.withLock { attempt throws -> ShareQuorumStatus in
            if let running = attempt, !running.expired(at: now) { throw SealError.attemptRunning("rekey") }
            let started = try ShareQuorumAttempt(
                configuration: configuration, startedAt: now, newShares: shares, newThreshold: threshold, custodians: custodians)
            attempt = started
            return started.status
        }
    }

    /// The running rekey, if any.
    public var rekeyStatus: ShareQuorumStatus {
        let now = self.now()
        return rekeyAttempt.withLock { attempt in
            if let running = attempt, running.expired(at: now) { attempt = nil }
            return attempt?.status ?? .none
        }
    }

    /// Cancels the running rekey (its collected shares are forgotten).
    public func cancelRekey() {
        rekeyAttempt.withLock { $0 = nil }
    }

    /// Adds one current share to the rekey `nonce`. At the quorum: a new
    /// unseal key is split into the new shares and wraps the MasterKey, the
    /// configuration is stored, and the answer carries the new shares (once).
    public func submitRekeyShare(_ share: ShamirShare, nonce: String) async throws -> ShareQuorumStatus {
        let (attempt, masterKey) = try collect(share, nonce: nonce, in: rekeyAttempt, "rekey")
        guard let masterKey else { return attempt.status }
        let (current, _) = try operatorSeal()
        // Another rekey (this node's, or another's on a shared store) since it started: its shares are no longer the quorum.
        guard current.shareSetID == attempt.configuration.shareSetID,
              let stored = try await backend.get(SealConfiguration.storageKey),
              try JSONDecoder().decode(SealConfiguration.self, from: stored).shareSetID == current.shareSetID
        else { throw SealError.noSuchAttempt("rekey") }
        let (rekeyed, split) = try SealInitializer.rekey(
            current, masterKey: masterKey, shares: attempt.newShares ?? current.shares, threshold: attempt.newThreshold ?? current.threshold,
            now: now())
        let shares: [String]
        if attempt.custodians.isEmpty {
            shares = split.map { $0.withEncodedBytes { $0.hexString } }
        } else {
            shares = try zip(split, attempt.custodians).map { try CustodianKey(pem: $1).encrypt($0).base64EncodedString() }
        }
        try await backend.put(SealConfiguration.storageKey, value: JSONEncoder().encode(rekeyed))
        phase.withLock { phase in
            if case .unsealed(_, let unsealed) = phase { phase = .unsealed(rekeyed, unsealed) }
        }
        var status = attempt.status
        status.progress = rekeyed.threshold
        status.complete = true
        status.shares = shares
        return status
    }

    // MARK: Generate root

    /// Starts a generate-root: a quorum of the current shares, each naming the
    /// returned nonce, makes a new root identity whose token is encrypted to
    /// `recipient` (so only whoever holds its private key reads it, not the
    /// last share holder). Share holders check the recipient's fingerprint
    /// in the status before they give their share.
    public func startGenerateRoot(recipient: String) throws -> ShareQuorumStatus {
        let (configuration, _) = try operatorSeal()
        let now = self.now()
        return try generateRootAttempt.withLock { attempt throws -> ShareQuorumStatus in
            if let running = attempt, !running.expired(at: now) { throw SealError.attemptRunning("generate-root") }
            let started = try ShareQuorumAttempt(configuration: configuration, startedAt: now, recipient: recipient)
            attempt = started
            return started.status
        }
    }

    public var generateRootStatus: ShareQuorumStatus {
        let now = self.now()
        return generateRootAttempt.withLock { attempt in
            if let running = attempt, running.expired(at: now) { attempt = nil }
            return attempt?.status ?? .none
        }
    }

    public func cancelGenerateRoot() {
        generateRootAttempt.withLock { $0 = nil }
    }

    /// Adds one share to the generate-root `nonce`; at the quorum, makes the
    /// root identity (24 hours, renewable) and answers its token encrypted to the recipient.
    public func submitGenerateRootShare(_ share: ShamirShare, nonce: String) async throws -> (status: ShareQuorumStatus, identity: Identity?) {
        let (attempt, masterKey) = try collect(share, nonce: nonce, in: generateRootAttempt, "generate-root")
        guard masterKey != nil, let recipient = attempt.recipient else { return (attempt.status, nil) }
        let (_, unsealed) = try operatorSeal()
        let stamp = ISO8601DateFormatter().string(from: now())
        let (identity, token) = try await unsealed.identities.create(
            name: "root (generated \(stamp))", role: .root, lifetime: Operations.peopleLifetime)
        var status = attempt.status
        status.progress = attempt.configuration.threshold
        status.complete = true
        status.encryptedToken = try CustodianKey(pem: recipient).encrypt(token: token).base64EncodedString()
        return (status, identity)
    }

    /// Adds `share` to the attempt `nonce` in `slot`. Returns the attempt and,
    /// at the quorum, the MasterKey the shares rebuild, checked against the
    /// one in memory; the attempt is then over (dropped), whatever follows.
    private func collect(
        _ share: ShamirShare, nonce: String, in slot: borrowing Mutex<ShareQuorumAttempt?>, _ what: String
    ) throws -> (ShareQuorumAttempt, MasterKey?) {
        let (_, unsealed) = try operatorSeal()
        let now = self.now()
        let attempt = try slot.withLock { attempt throws -> ShareQuorumAttempt in
            guard let running = attempt, !running.expired(at: now),
                  running.nonce.utf8.elementsEqual(nonce.utf8)
            else { throw SealError.noSuchAttempt(what) }
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
