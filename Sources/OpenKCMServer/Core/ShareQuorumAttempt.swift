public import Foundation
public import OpenKCMCore

/// A rekey or a generate-root collecting a quorum of operator shares on one
/// node: started once, identified by a nonce every share must name (so a share
/// meant for one attempt never counts for another), dropped after
/// ``lifetime`` or when cancelled. Holds no secret but the new configuration
/// a rekey waits to verify: the shares collected stay in its ``Unsealer``,
/// which forgets them once it has combined them.
public struct ShareQuorumAttempt: Sendable {
    /// An attempt nobody finishes is dropped after this long.
    public static let lifetime: TimeInterval = 3600

    enum Stage: Sendable {
        /// Collecting the current shares (a rekey's first stage, or a generate-root).
        case current
        /// A rekey's second stage: collecting the new shares, so the new configuration is stored only once
        /// enough of them came back (a lost answer, or a mistyped share, never leaves the store without shares).
        case verifying(SealConfiguration)
    }

    public let nonce: String
    let unsealer: Unsealer
    let stage: Stage
    /// The share set the attempt started from: if the stored configuration has another since (a rekey elsewhere), the attempt is void.
    let baseShareSetID: [UInt8]?
    /// The seal configuration's generation (``ServerCore/sealGenerationKey``) when it started: a rekey stores only on top of it.
    let sealGeneration: UInt64
    public let startedAt: Date
    /// Rekey: who started it (the new shares go in the clear only to that identity), the new N and M, and the custodians' keys
    /// (PEM, checked at start; one per new share, or none).
    let initiator: String?
    let newShares: Int?
    let newThreshold: Int?
    let custodians: [String]
    /// Generate-root: who gets the token (PEM, checked at start), and its fingerprint.
    let recipient: String?
    let recipientFingerprint: String?

    init(configuration: SealConfiguration, sealGeneration: UInt64, startedAt: Date, initiator: String? = nil, newShares: Int? = nil,
         newThreshold: Int? = nil, custodians: [String] = [], recipient: String? = nil) throws {
        self.nonce = Self.makeNonce()
        self.unsealer = Unsealer(configuration: configuration)
        self.stage = .current
        self.baseShareSetID = configuration.shareSetID
        self.sealGeneration = sealGeneration
        self.startedAt = startedAt
        self.initiator = initiator
        self.newShares = newShares
        self.newThreshold = newThreshold
        self.custodians = custodians
        self.recipient = recipient
        self.recipientFingerprint = try recipient.map { try CustodianKey(pem: $0).fingerprint }
    }

    /// The rekey's second stage: the same attempt, now waiting for a quorum of the new shares under a new nonce.
    func verifying(_ rekeyed: SealConfiguration, at now: Date) -> ShareQuorumAttempt {
        ShareQuorumAttempt(self, verifying: rekeyed, at: now)
    }

    private init(_ base: ShareQuorumAttempt, verifying rekeyed: SealConfiguration, at now: Date) {
        self.nonce = Self.makeNonce()
        self.unsealer = Unsealer(configuration: rekeyed)
        self.stage = .verifying(rekeyed)
        self.baseShareSetID = base.baseShareSetID
        self.sealGeneration = base.sealGeneration
        self.startedAt = now
        self.initiator = base.initiator
        self.newShares = base.newShares
        self.newThreshold = base.newThreshold
        self.custodians = base.custodians
        self.recipient = nil
        self.recipientFingerprint = nil
    }

    private static func makeNonce() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes { SystemRandom.fill($0) }
        return bytes.hexString
    }

    func expired(at now: Date) -> Bool { now.timeIntervalSince(startedAt) > Self.lifetime }

    var verifying: Bool {
        if case .verifying = stage { return true }
        return false
    }

    /// What anyone may see: no share, no key.
    public var status: ShareQuorumStatus {
        var status = ShareQuorumStatus(
            started: true, nonce: nonce, progress: unsealer.progress, required: unsealer.threshold, startedAt: startedAt,
            newShares: newShares, newThreshold: newThreshold, sharesEncrypted: newShares.map { _ in !custodians.isEmpty },
            recipientFingerprint: recipientFingerprint)
        if newShares != nil { status.verifying = verifying }
        return status
    }
}
