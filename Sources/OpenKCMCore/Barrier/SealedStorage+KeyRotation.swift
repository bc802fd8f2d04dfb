public import Foundation

/// Rotating the barrier key: a new random term in the keyring seals every
/// record written from then on, and ``reencrypt(_:)`` moves older records to
/// it in small transactions while everything stays readable.
extension SealedStorage {
    /// The active term and how far its re-encryption is.
    public func keyStatus() async throws -> BarrierKeyStatus {
        try await withKeys { Self.status(of: $0) }
    }

    /// Adds a new random term to the keyring, stored before it seals anything,
    /// and makes it active. Another node's rotation in between is read first
    /// (the keyring is written only on top of the version read).
    public func rotateKey(at now: Date) async throws -> BarrierKeyStatus {
        let current = try currentKeys()
        return try await writeLock.withLock(0) {
            try await self.changeKeyring(current) { keyring in _ = try keyring.rotate(at: now) }
        }
    }

    /// Records that every record older than `term` was re-encrypted under it (the check ran after the last one),
    /// and retires the terms before it (``BarrierKeyring/oldestOpenTerm``): from then on a record under one is refused.
    public func markReencrypted(term: UInt32, at now: Date) async throws -> BarrierKeyStatus {
        let current = try currentKeys()
        return try await writeLock.withLock(0) {
            try await self.changeKeyring(current) { keyring in keyring.retire(before: term, at: now) }
        }
    }

    /// Reads the keyring afresh, applies `change`, and writes it conditioned on the version read. Call under ``writeLock``.
    private func changeKeyring(_ current: BarrierKeys, _ change: (inout BarrierKeyring) throws -> Void) async throws -> BarrierKeyStatus {
        let path = BarrierKeyring.storageKey
        var attempt = 1
        while true {
            let fresh = try await readKeyring(current)
            var keyring = fresh.keyring ?? BarrierKeyring()
            try change(&keyring)
            let version = fresh.keyringVersion + 1
            var plaintext = try JSONEncoder().encode(keyring)
            defer { plaintext.resetBytes(in: 0..<plaintext.count) }
            let sealed = try fresh.keyringKey.seal(plaintext, at: path, version: version)
            let condition: StorageCondition = fresh.keyringVersion == 0 ? .absent(key: path) : .version(key: path, fresh.keyringVersion)
            do {
                try await backend.write([.put(key: path, value: sealed)], if: [condition])
            } catch StorageError.conditionFailed where attempt < Self.maximumWriteAttempts {
                attempt += 1
                continue
            }
            return Self.status(of: install(BarrierKeys(fresh, keyring: keyring, version: version)))
        }
    }

    /// Re-encrypts those of `paths` sealed under an older term than the active
    /// one, in one transaction (a record another writer changes meanwhile is
    /// read again). Returns how many it rewrote.
    public func reencrypt(_ paths: [String]) async throws -> Int {
        try await transaction {
            let active = try await self.withKeys { $0.active.term }
            var puts: [StorageMutation] = []
            for path in paths {
                guard let stored = try await self.backend.get(path), BarrierKeys.term(of: stored) != active else { continue }
                guard let value = try await self.get(path) else { continue }
                puts.append(.put(key: path, value: value))
            }
            try await self.write(puts)
            return puts.count
        }
    }

    /// How many stored records (the index's own included) are still sealed under an older term than the active one.
    public func recordsUnderOlderTerms() async throws -> Int {
        let active = try await withKeys { $0.active.term }
        var count = 0
        for path in try await backend.list(prefix: "")
        where ![BarrierKeyring.storageKey, SealConfiguration.storageKey, SealConfiguration.generationKey].contains(path) {
            guard let stored = try await backend.get(path), Self.version(of: stored).map({ $0 > 0 }) == true else { continue }
            if BarrierKeys.term(of: stored) != active { count += 1 }
        }
        return count
    }

    static func status(of keys: BarrierKeys) -> BarrierKeyStatus {
        let term = keys.keyring?.activeTerm
        return BarrierKeyStatus(
            activeTerm: keys.active.term, terms: keys.terms.count, installedAt: term?.installedAt,
            reencryptedAt: term?.reencryptedAt, keyringVersion: keys.keyringVersion)
    }
}
