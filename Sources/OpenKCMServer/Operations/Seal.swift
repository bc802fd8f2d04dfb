public import OpenKCMCore

extension Operations {
    /// Seals the server: the MasterKey and every unwrapped key are dropped (root; four-eyes when configured).
    public func seal(caller: Caller) async throws {
        try await requireApproval(.seal, caller: caller)
        try await perform(.seal, caller: caller, sync: true) { _ in }
        await core.seal()
    }
}
