public import Foundation

/// A share quorum's progress as `GET /v1/sys/rekey` and `GET /v1/sys/generate-root` answer it.
public struct ShareQuorumStatus: Sendable, Codable, Equatable {
    public var started: Bool
    public var nonce: String?
    public var progress: Int
    public var required: Int?
    public var startedAt: Date?
    public var newShares: Int?
    public var newThreshold: Int?
    public var sharesEncrypted: Bool?
    /// Generate-root: the SHA-256 fingerprint of the key the token will be encrypted to.
    public var recipientFingerprint: String?
    /// Rekey: whether it waits for a quorum of the new shares (its second stage, under a new nonce).
    public var verifying: Bool?
    /// Set on the answer to the share that completes it (a rekey: its verification).
    public var complete: Bool?
    /// Rekey's new shares (hex, or base64 encrypted to each custodian), returned once, with the nonce to verify them under.
    public var shares: [String]?
    /// Generate-root's token, base64 encrypted to the recipient key, returned once.
    public var encryptedToken: String?

    public static let none = ShareQuorumStatus(started: false, progress: 0)

    init(started: Bool, nonce: String? = nil, progress: Int, required: Int? = nil, startedAt: Date? = nil, newShares: Int? = nil,
         newThreshold: Int? = nil, sharesEncrypted: Bool? = nil, recipientFingerprint: String? = nil) {
        self.started = started
        self.nonce = nonce
        self.progress = progress
        self.required = required
        self.startedAt = startedAt
        self.newShares = newShares
        self.newThreshold = newThreshold
        self.sharesEncrypted = sharesEncrypted
        self.recipientFingerprint = recipientFingerprint
    }
}
