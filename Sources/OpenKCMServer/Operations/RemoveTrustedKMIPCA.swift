import OpenKCMCore

extension Operations {
    /// Stops trusting a CA: its certificates fail the TLS handshake from the
    /// listener's next reload, the subjects mapped to it stop matching at once,
    /// and their identities are revoked, so trusting the CA again brings none back.
    public func removeTrustedKMIPCA(_ id: String, caller: Caller) async throws {
        try await perform(.kmipTrustedCARemove, caller: caller, key: id, sync: true) { unsealed in
            guard KMIPTrustedAuthority.isIdentifier(id), try await core.barrier.get(KMIPTrustedAuthority.storageKey(id)) != nil else {
                throw KMIPClientError.trustedAuthorityNotFound(id)
            }
            try await changingObject(KMIPTrustedAuthority.storagePrefix) {
                try await core.barrier.delete(KMIPTrustedAuthority.storageKey(id))
                try await core.kmipClientTrust.reload(from: core.barrier)
            }
            core.kmipClientTrust.signalChange()
            for identity in try await unsealed.identities.list() where !identity.revoked && identity.certificateSubject?.authority == id {
                try await unsealed.identities.revoke(identity.id)
            }
        }
    }
}
