import Foundation
public import OpenKCMCore

extension Operations {
    /// Rotates the barrier key (root; four-eyes when configured): a new random
    /// term seals every record from now on, and the records before it are
    /// re-encrypted in the background (``BarrierReencryption``).
    public func rotateBarrierKey(caller: Caller) async throws -> BarrierKeyStatus {
        try await requireApproval(.rotateBarrierKey, caller: caller)
        let status = try await perform(.barrierRotate, caller: caller, sync: true) { _ in
            let status = try await core.barrier.rotateKey(at: core.now())
            // The new term, with the store generation, in the audit log: the next unseal refuses a keyring put back below it.
            try await core.recordStoreGeneration("barrier.rotate", try await core.barrier.generation())
            return status
        }
        core.startBarrierReencryption()
        return status
    }

    /// The barrier key's active term and the re-encryption's progress (root).
    public func barrierKeyStatus(caller: Caller) async throws -> (BarrierKeyStatus, BarrierReencryptionProgress?) {
        try await perform(.keyStatus, caller: caller) { _ in
            (try await core.barrier.keyStatus(), core.barrierReencryption.progress)
        }
    }
}
