import OpenKCMCore

extension Operations {
    /// Runs a read-modify-write of the records under `key` (one KMIP object,
    /// or the set of trusted CAs) under this node's lock for it and as one
    /// store transaction (``SealedStorage/transaction(_:)``): another node's
    /// change made meanwhile makes the write fail and `body` run again on
    /// what that node wrote, never overwritten. `body` must be safe to run again.
    func changingObject<Result: Sendable>(_ key: String, _ body: () async throws -> Result) async throws -> Result {
        try await core.objectLocks.withLock(key) { try await core.barrier.transaction(body) }
    }
}
