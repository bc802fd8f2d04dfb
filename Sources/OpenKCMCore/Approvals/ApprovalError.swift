/// Why an approval (or a rejection) was refused.
public enum ApprovalError: OpenKCMError, Equatable {
    case notFound(String)
    /// The one who asked cannot approve their own request: that would be two eyes.
    case ownRequest
    /// Each identity counts once.
    case alreadyApproved
    /// The request waited longer than the policy's lifetime.
    case expired
    /// The approver is not independent of the one who asked: made after the request, or made by the
    /// one who asked (directly or through identities it made), so one person could be both.
    case notIndependent
    /// It ran, was rejected, or failed already.
    case notPending(PendingApproval.State)

    public var code: String {
        switch self {
        case .notFound: "approval.not_found"
        case .ownRequest: "approval.own_request"
        case .alreadyApproved: "approval.already_approved"
        case .expired: "approval.expired"
        case .notIndependent: "approval.approver_not_independent"
        case .notPending: "approval.not_pending"
        }
    }

    public var description: String {
        switch self {
        case .notFound(let id): "no pending request has the id '\(id)'"
        case .ownRequest: "the identity that asked cannot approve its own request"
        case .alreadyApproved: "this identity approved the request already"
        case .expired: "the request expired before it had its approvals"
        case .notIndependent: "this identity was made after the request, or by the identity that asked (directly or through identities it made): it cannot approve it"
        case .notPending(let state): "the request is \(state.rawValue), not pending"
        }
    }
}
