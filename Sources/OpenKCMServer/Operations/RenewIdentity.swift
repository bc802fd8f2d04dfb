public import OpenKCMCore

extension Operations {
    /// Renews the caller's own token: its expiry moves to now plus the lifetime it was made with.
    /// Only before it expires; a sign-in through the identity provider renews there, not here.
    public func renewIdentity(caller: Caller) async throws -> IdentityView {
        try await perform(.identityRenew, caller: caller, sync: true) { core in
            let identity = try caller.identity.orThrow(AccessError.unauthenticated)
            guard !identity.id.hasPrefix("oidc-") else { throw AccessError.notRenewable }
            return IdentityView(try await core.identities.renew(identity.id))
        }
    }
}
