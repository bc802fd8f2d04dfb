extension SealedStorage {
    /// Opens `records` (a snapshot or a backup) through a barrier of their own,
    /// held in memory and unsealed with `masterKey`, its index checked; runs
    /// `body` on it, and returns the records as the body left them (what a
    /// store gets in one ``Storage/load(_:)``). Nothing touches a real store.
    public static func editing(
        _ records: [StorageRecord], masterKey: MasterKey, _ body: (SealedStorage) async throws -> Void
    ) async throws -> [StorageRecord] {
        let memory = InMemoryStorage()
        try await memory.load(records)
        let barrier = SealedStorage(backend: memory)
        barrier.unseal(with: masterKey)
        defer { barrier.seal() }
        _ = try await barrier.openIndex()
        try await body(barrier)
        return try await memory.snapshot()
    }
}
