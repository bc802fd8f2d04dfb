import Foundation
public import OpenKCMCore

extension Operations {
    /// Starts replacing the operator shares (root; four-eyes when configured,
    /// as a change of quorum): the attempt then waits for a quorum of the
    /// current shares at `POST /v1/sys/rekey/update`.
    public func startRekey(shares: Int, threshold: Int, sharePublicKeys: [String], caller: Caller) async throws -> ShareQuorumStatus {
        // The keys are checked before the request is kept or approved.
        for pem in sharePublicKeys { _ = try CustodianKey(pem: pem) }
        try await requireApproval(.rekey(shares: shares, threshold: threshold, sharePublicKeys: sharePublicKeys), caller: caller)
        return try await perform(.rekey, caller: caller, sync: true) { _ in
            try await core.startRekey(
                shares: shares, threshold: threshold, custodians: sharePublicKeys, initiator: try caller.identity.orThrow(AccessError.unauthenticated).id)
        }
    }

    /// Cancels the running rekey (root).
    public func cancelRekey(caller: Caller) async throws {
        try await perform(.rekey, caller: caller, sync: true) { _ in core.cancelRekey() }
    }
}
