import OpenKCMCore

extension Operations {
    /// Every identity, without token hashes (root).
    public func listIdentities(caller: Caller) async throws -> [IdentityView] {
        try await perform(.identityList, caller: caller) { core in
            try await core.identities.list().map(IdentityView.init)
        }
    }
}
