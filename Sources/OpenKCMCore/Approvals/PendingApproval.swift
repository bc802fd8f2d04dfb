public import Foundation

/// A guarded act waiting for approvals: who asked, what, until when, and who
/// approved. Kept in sealed storage under `approvals/<id>`; its transitions
/// are here, pure, so they are checked with any clock.
public struct PendingApproval: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Waiting for approvals.
        case pending
        /// It had all its approvals and is running: no further approval counts, so it runs once.
        case approved
        case executed, rejected, expired, failed
    }

    public let id: String
    public let action: ApprovalAction
    /// The identity that asked, as it was then: the act runs as it.
    public let initiator: Identity
    /// The correlation id of the request that asked: every entry of this approval carries it.
    public let correlationID: String
    public let required: Int
    public let createdAt: Date
    public let expiresAt: Date
    public private(set) var approvers: [String] = []
    public internal(set) var state: State = .pending
    /// Why the act failed when it finally ran (`failed`), as its error code.
    public var failure: String?

    public init(id: String, action: ApprovalAction, initiator: Identity, correlationID: String, required: Int, createdAt: Date, lifetime: Duration) {
        self.id = id
        self.action = action
        // Who it was, not how it signs in: no token hash is kept with the request.
        var initiator = initiator
        initiator.tokenHash = ""
        self.initiator = initiator
        self.correlationID = correlationID
        self.required = required
        self.createdAt = createdAt
        self.expiresAt = createdAt.addingTimeInterval(Double(lifetime.components.seconds))
    }

    public static func storageKey(_ id: String) -> String { "approvals/\(id)" }
    public static let storagePrefix = "approvals/"

    /// The request as it stands at `now`: a pending one past its lifetime is expired.
    public func at(_ now: Date) -> PendingApproval {
        var copy = self
        if copy.state == .pending, now >= expiresAt { copy.state = .expired }
        return copy
    }

    /// Adds `approver`'s approval at `now`; true when the request has all it needs and is to run now.
    /// The approver's right to perform the act is checked by the caller (``AccessPolicy``).
    public mutating func approve(by approver: String, at now: Date) throws(ApprovalError) -> Bool {
        self = at(now)
        guard state == .pending else { throw state == .expired ? .expired : .notPending(state) }
        guard approver != initiator.id else { throw .ownRequest }
        guard !approvers.contains(approver) else { throw .alreadyApproved }
        approvers.append(approver)
        guard 1 + approvers.count >= required else { return false }
        state = .approved
        return true
    }

    /// Rejects the request (any approver, or the initiator withdrawing it).
    public mutating func reject(at now: Date) throws(ApprovalError) {
        self = at(now)
        guard state == .pending else { throw state == .expired ? .expired : .notPending(state) }
        state = .rejected
    }

    /// Records how the act ended when it ran.
    public mutating func finish(failure code: String?) {
        state = code == nil ? .executed : .failed
        failure = code
    }
}
