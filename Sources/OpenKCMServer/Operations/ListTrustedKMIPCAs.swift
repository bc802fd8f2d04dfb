import OpenKCMCore

extension Operations {
    /// The trusted external CAs (governance of KMIP clients).
    public func listTrustedKMIPCAs(caller: Caller) async throws -> [KMIPTrustedAuthority] {
        try await perform(.kmipTrustedCAList, caller: caller) { _ in
            try await core.kmipClientTrust.reload(from: core.barrier).authorities.map(\.record).sorted { $0.addedAt < $1.addedAt }
        }
    }
}
