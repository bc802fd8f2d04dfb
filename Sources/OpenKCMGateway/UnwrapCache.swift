import Crypto
import Synchronization

/// Unwrapped data keys, keyed by SHA-256 of the wrapped blob and the
/// context, each kept at most `lifetime` and at most `capacity` of them.
/// Never L2 or L3: only L4s the core already unwrapped for this gateway's
/// (tenant, service). A lock event, a destroyed service or a lost event
/// stream empties it; without the core, a key lives no longer than `lifetime`.
final class UnwrapCache: Sendable {
    private struct Entry {
        var key: SymmetricKey
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [SHA256Digest: Entry] = [:]
        /// Bumped by every ``removeAll()``: a key unwrapped before it is not stored after it.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The blob length-prefixed (u32), then the canonical context (which
    /// delimits itself), so no two (blob, context) pairs hash the same input.
    static func slot(wrapped: [UInt8], context: [UInt8]) -> SHA256Digest {
        var hasher = SHA256()
        let count = UInt32(clamping: wrapped.count)
        hasher.update(data: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: count >> $0) })
        hasher.update(data: wrapped)
        hasher.update(data: context)
        return hasher.finalize()
    }

    func key(at slot: SHA256Digest) -> SymmetricKey? {
        state.withLock { state in
            guard let entry = state.entries[slot] else { return nil }
            guard entry.expires > .now else {
                state.entries.removeValue(forKey: slot)
                return nil
            }
            return entry.key
        }
    }

    /// Take before asking the core to unwrap; pass to ``store(_:at:takenAt:)``.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Keeps a key the core unwrapped, unless the cache was emptied since
    /// `generation` was taken: a lock event that overtook the unwrap wins.
    func store(_ key: SymmetricKey, at slot: SHA256Digest, takenAt generation: UInt64) {
        guard lifetime > .zero else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity, state.entries[slot] == nil {
                let now = ContinuousClock.now
                state.entries = state.entries.filter { $0.value.expires > now }
                // Still full: drop an arbitrary tenth; a miss only costs one unwrap at the core.
                if state.entries.count >= capacity {
                    for slot in state.entries.keys.prefix(max(1, capacity / 10)) { state.entries.removeValue(forKey: slot) }
                }
            }
            state.entries[slot] = Entry(key: key, expires: .now + lifetime)
        }
    }

    /// Forgets every key (SymmetricKey zeroes its bytes when released).
    func removeAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
