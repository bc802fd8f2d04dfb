import Foundation
import OpenKCMCore

/// A pending (or finished) request as the API shows it.
struct ApprovalView: Encodable {
    var id: String
    var action: String
    var operation: String
    var tenant: String?
    var service: String?
    var initiator: String
    var initiatorName: String
    var required: Int
    var approvers: [String]
    var state: String
    var createdAt: Date
    var expiresAt: Date
    var correlationID: String
    var failure: String?

    init(_ approval: PendingApproval) {
        id = approval.id
        action = approval.action.description
        operation = approval.action.operation.rawValue
        tenant = approval.action.tenant?.rawValue
        service = approval.action.service?.rawValue
        initiator = approval.initiator.id
        initiatorName = approval.initiator.name
        required = approval.required
        approvers = approval.approvers
        state = approval.state.rawValue
        createdAt = approval.createdAt
        expiresAt = approval.expiresAt
        correlationID = approval.correlationID
        failure = approval.failure
    }
}
