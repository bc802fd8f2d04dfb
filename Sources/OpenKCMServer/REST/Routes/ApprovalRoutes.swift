import Foundation
import Hummingbird
import OpenKCMCore

/// `/v1/approvals`: requests waiting for four-eyes approvals. A guarded act
/// (destroying a tenant or service, linking or unlinking an L1, sealing,
/// revoking a root or governance identity) answers `202` with the pending
/// request when `[approvals] required` is above 1; another identity allowed
/// to perform it approves or rejects it here.
struct ApprovalRoutes {
    let operations: Operations

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/approvals") { _, context in
            try JSONBody.response(["approvals": try await operations.approvals(caller: context.caller).map(ApprovalView.init)])
        }
        router.post("/v1/approvals/:approval/approve") { _, context in
            let approval = try await operations.approve(try context.parameters.require("approval"), caller: context.caller)
            return try JSONBody.response(["approval": ApprovalView(approval)])
        }
        router.post("/v1/approvals/:approval/reject") { _, context in
            let approval = try await operations.reject(try context.parameters.require("approval"), caller: context.caller)
            return try JSONBody.response(["approval": ApprovalView(approval)])
        }
    }
}
