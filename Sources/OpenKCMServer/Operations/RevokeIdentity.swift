import OpenKCMCore

extension Operations {
    /// Revokes an identity; its token stops working at once (root).
    /// Revoking a root or governance identity waits for approvals under four-eyes.
    public func revokeIdentity(_ id: String, caller: Caller) async throws {
        if core.approvalPolicy.requiresApproval(.identityRevoke), caller.approval == nil {
            // Not found is for the operation to say; any other failure to read it refuses, never skips the approvals.
            let target: Identity?
            do { target = try await core.unsealed().identities.identity(id) } catch AccessError.identityNotFound { target = nil }
            if let target, [.root, .governance].contains(target.role) { try await requireApproval(.revokeIdentity(id), caller: caller) }
        }
        try await perform(.identityRevoke, caller: caller, key: id, sync: true) { core in
            try await core.identities.revoke(id)
        }
    }
}
