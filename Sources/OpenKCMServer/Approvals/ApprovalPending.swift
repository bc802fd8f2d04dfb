public import OpenKCMCore

/// Not a failure: a guarded act was asked for and waits for approvals. The
/// REST layer answers it `202 Accepted` with the pending request.
public struct ApprovalPending: Error, Sendable {
    public let approval: PendingApproval

    /// The `202` answer's JSON: `{"approval": {...}}`.
    var body: [UInt8] {
        (try? JSONBody.encoded(["approval": ApprovalView(approval)])) ?? Array("{}".utf8)
    }
}
