import OpenKCMCore

extension Operations {
    /// Revokes an identity; its token stops working at once (root).
    public func revokeIdentity(_ id: String, caller: Caller) async throws {
        try await perform(.identityRevoke, caller: caller, key: id, sync: true) { core in
            try await core.identities.revoke(id)
        }
    }
}
