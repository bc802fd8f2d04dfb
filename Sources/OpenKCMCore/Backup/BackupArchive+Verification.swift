extension BackupArchive {
    /// Authenticates the manifest under `masterKey`, then opens every record
    /// through a barrier over the backup alone: its sealed index must load at
    /// the manifest's store generation, list exactly the records present, and
    /// each record must open at its path and version. What passes restores
    /// into a store that unseals with the same shares or seal.
    public func verify(with masterKey: MasterKey) async throws -> BackupVerification {
        try authenticate(with: masterKey)
        let memory = InMemoryStorage()
        try await memory.load(records)
        let barrier = SealedStorage(backend: memory)
        barrier.unseal(with: masterKey)
        defer { barrier.seal() }
        var path = StorageScope.storeRootKey
        do {
            let generation = try await barrier.openIndex()
            guard generation == manifest.storeGeneration else {
                throw BackupError.corrupted("its index is at store generation \(generation); the manifest says \(manifest.storeGeneration)")
            }
            let paths = try await barrier.list(prefix: "")
            for listed in paths {
                path = listed
                _ = try await barrier.get(listed)
            }
            return BackupVerification(manifest: manifest, recordsOpened: paths.count)
        } catch let error as BarrierError {
            throw BackupError.recordInvalid(key: path, reason: error.description)
        }
    }
}
