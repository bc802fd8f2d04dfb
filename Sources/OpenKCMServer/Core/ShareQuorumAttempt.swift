public import Foundation
public import OpenKCMCore

/// A rekey or a generate-root collecting a quorum of operator shares on one
/// node: started once, identified by a nonce every share must name (so a share
/// meant for one attempt never counts for another), dropped after
/// ``lifetime`` or when cancelled. Holds no secret: the shares collected stay
/// in its ``Unsealer``, which forgets them once it has combined them.
public struct ShareQuorumAttempt: Sendable {
    /// An attempt nobody finishes is dropped after this long.
    public static let lifetime: TimeInterval = 3600

    public let nonce: String
    let unsealer: Unsealer
    /// The seal configuration the shares must belong to.
    let configuration: SealConfiguration
    public let startedAt: Date
    /// Rekey: the new number of shares and threshold, and the custodians' keys (PEM, checked at start; one per new share, or none).
    let newShares: Int?
    let newThreshold: Int?
    let custodians: [String]
    /// Generate-root: who gets the token (PEM, checked at start), and its fingerprint.
    let recipient: String?
    let recipientFingerprint: String?

    init(configuration: SealConfiguration, startedAt: Date, newShares: Int? = nil, newThreshold: Int? = nil,
         custodians: [String] = [], recipient: String? = nil) throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        self.nonce = bytes.hexString
        self.unsealer = Unsealer(configuration: configuration)
        self.configuration = configuration
        self.startedAt = startedAt
        self.newShares = newShares
        self.newThreshold = newThreshold
        self.custodians = custodians
        self.recipient = recipient
        self.recipientFingerprint = try recipient.map { try CustodianKey(pem: $0).fingerprint }
    }

    func expired(at now: Date) -> Bool { now.timeIntervalSince(startedAt) > Self.lifetime }

    /// What anyone may see: no share, no key.
    public var status: ShareQuorumStatus {
        ShareQuorumStatus(
            started: true, nonce: nonce, progress: unsealer.progress, required: configuration.threshold, startedAt: startedAt,
            newShares: newShares, newThreshold: newThreshold, sharesEncrypted: newShares.map { _ in !custodians.isEmpty },
            recipientFingerprint: recipientFingerprint)
    }
}
