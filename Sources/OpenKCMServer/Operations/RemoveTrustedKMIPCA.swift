import OpenKCMCore

extension Operations {
    /// Stops trusting a CA: its certificates fail the TLS handshake from the
    /// listener's next reload, and the subjects mapped to it stop matching at once.
    public func removeTrustedKMIPCA(_ id: String, caller: Caller) async throws {
        try await perform(.kmipTrustedCARemove, caller: caller, key: id, sync: true) { _ in
            guard id.utf8.count == 16, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
                  try await core.barrier.get(KMIPTrustedAuthority.storageKey(id)) != nil else {
                throw KMIPClientError.trustedAuthorityNotFound(id)
            }
            try await core.barrier.delete(KMIPTrustedAuthority.storageKey(id))
            try await core.kmipClientTrust.reload(from: core.barrier)
            core.kmipClientTrust.signalChange()
        }
    }
}
