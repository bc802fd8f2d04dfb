import Synchronization

/// Decoded KMIP object records, kept for a short time so that using a key
/// (Encrypt, Decrypt, MAC, Get) does not read and decrypt its record from
/// storage every time. It holds records only: the key material stays sealed
/// under the object's L4, which is opened through the key chain on every use,
/// so the kill switch and revocation act as before.
///
/// This process's writes replace or drop the cached record at once. Another
/// replica's writes are seen within `lifetime`.
final class KMIPObjectRecordCache: Sendable {
    private struct State {
        var records: [String: (object: KMIPManagedObject, expires: ContinuousClock.Instant)] = [:]
        /// Bumped by every write, so a read that raced a write does not cache what it read.
        var writes: UInt64 = 0

        mutating func insert(_ object: KMIPManagedObject, at key: String, lifetime: Duration, capacity: Int) {
            if records.count >= capacity, records[key] == nil {
                // Full: drop what has expired, or else everything; a cache miss only costs a storage read.
                let now = ContinuousClock.now
                records = records.filter { $0.value.expires > now }
                if records.count >= capacity { records.removeAll(keepingCapacity: true) }
            }
            records[key] = (object, .now + lifetime)
        }
    }

    private let state = Mutex(State())
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(2), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func object(at key: String) -> KMIPManagedObject? {
        state.withLock { state in
            guard let entry = state.records[key] else { return nil }
            guard entry.expires > .now else {
                state.records.removeValue(forKey: key)
                return nil
            }
            return entry.object
        }
    }

    /// A token to pass to ``remember(_:at:readAt:)`` for a record about to be read from storage.
    func readToken() -> UInt64 {
        state.withLock { $0.writes }
    }

    /// Caches what a read found, unless a write happened since `token`.
    func remember(_ object: KMIPManagedObject, at key: String, readAt token: UInt64) {
        state.withLock { state in
            guard state.writes == token else { return }
            state.insert(object, at: key, lifetime: lifetime, capacity: capacity)
        }
    }

    /// A write of `object` (or its deletion, with nil) at `key`.
    func wrote(_ object: KMIPManagedObject?, at key: String) {
        state.withLock { state in
            state.writes &+= 1
            if let object {
                state.insert(object, at: key, lifetime: lifetime, capacity: capacity)
            } else {
                state.records.removeValue(forKey: key)
            }
        }
    }

    /// Forgets everything (after a batch is undone underneath the cache).
    func removeAll() {
        state.withLock { state in
            state.writes &+= 1
            state.records.removeAll()
        }
    }
}
