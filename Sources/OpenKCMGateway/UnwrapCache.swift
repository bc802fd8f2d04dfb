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

    private let entries = Mutex<[SHA256Digest: Entry]>([:])
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    static func slot(wrapped: [UInt8], context: [String: String]) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(data: [UInt8(truncatingIfNeeded: wrapped.count >> 8), UInt8(truncatingIfNeeded: wrapped.count)])
        hasher.update(data: wrapped)
        for (key, value) in context.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
            for text in [key, value] {
                let bytes = Array(text.utf8)
                hasher.update(data: [UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)])
                hasher.update(data: bytes)
            }
        }
        return hasher.finalize()
    }

    func key(at slot: SHA256Digest) -> SymmetricKey? {
        entries.withLock { entries in
            guard let entry = entries[slot] else { return nil }
            guard entry.expires > .now else {
                entries.removeValue(forKey: slot)
                return nil
            }
            return entry.key
        }
    }

    func store(_ key: SymmetricKey, at slot: SHA256Digest) {
        guard lifetime > .zero else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[slot] == nil {
                let now = ContinuousClock.now
                entries = entries.filter { $0.value.expires > now }
                // Still full: drop an arbitrary tenth; a miss only costs one unwrap at the core.
                if entries.count >= capacity {
                    for slot in entries.keys.prefix(max(1, capacity / 10)) { entries.removeValue(forKey: slot) }
                }
            }
            entries[slot] = Entry(key: key, expires: .now + lifetime)
        }
    }

    /// Forgets every key (SymmetricKey zeroes its bytes when released).
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    var count: Int { entries.withLock { $0.count } }
}
