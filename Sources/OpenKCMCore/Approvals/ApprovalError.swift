/// Why an approval (or a rejection) was refused.
public enum ApprovalError: OpenKCMError, Equatable {
    case notFound(String)
    /// The one who asked cannot approve their own request: that would be two eyes.
    case ownRequest
    /// Each identity counts once.
    case alreadyApproved
    /// The request waited longer than the policy's lifetime.
    case expired
    /// It ran, was rejected, or failed already.
    case notPending(PendingApproval.State)

    public var code: String {
        switch self {
        case .notFound: "approval.not_found"
        case .ownRequest: "approval.own_request"
        case .alreadyApproved: "approval.already_approved"
        case .expired: "approval.expired"
        case .notPending: "approval.not_pending"
        }
    }

    public var description: String {
        switch self {
        case .notFound(let id): "no pending request has the id '\(id)'"
        case .ownRequest: "the identity that asked cannot approve its own request"
        case .alreadyApproved: "this identity approved the request already"
        case .expired: "the request expired before it had its approvals"
        case .notPending(let state): "the request is \(state.rawValue), not pending"
        }
    }
}
