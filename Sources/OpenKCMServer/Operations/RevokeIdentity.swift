import OpenKCMCore

extension Operations {
    /// Revokes an identity; its token stops working at once (root).
    /// Revoking a root or governance identity waits for approvals under four-eyes.
    public func revokeIdentity(_ id: String, caller: Caller) async throws {
        if core.approvalPolicy.requiresApproval(.identityRevoke), caller.approval == nil,
           let target = try? await core.unsealed().identities.list().first(where: { $0.id == id }), [.root, .governance].contains(target.role) {
            try await requireApproval(.revokeIdentity(id), caller: caller)
        }
        try await perform(.identityRevoke, caller: caller, key: id, sync: true) { core in
            try await core.identities.revoke(id)
        }
    }
}
