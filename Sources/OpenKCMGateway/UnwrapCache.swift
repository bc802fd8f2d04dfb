import Crypto
import Synchronization

/// Unwrapped data keys, keyed by SHA-256 of the wrapped blob and the
/// context, each kept at most `lifetime` and at most `capacity` of them.
/// Never L2 or L3: only L4s the core already unwrapped for this gateway's
/// (tenant, service). A lock event, a destroyed service or a lost event
/// stream empties it; a destroyed subject drops the keys of that subject
/// (entries carry the subject's digest); without the core, a key lives no
/// longer than `lifetime`.
final class UnwrapCache: Sendable {
    private struct Entry {
        var key: SymmetricKey
        var expires: ContinuousClock.Instant
        /// SHA-256 of the subject the key is bound to, hex; nil for a plain L4.
        var subject: String?
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
    /// delimits itself), then for a subject-bound key the subject length-prefixed,
    /// so no two (blob, context, subject) triples hash the same input: a key
    /// unwrapped for one subject is never a hit for another.
    static func slot(wrapped: [UInt8], context: [UInt8], subject: String? = nil) -> SHA256Digest {
        var hasher = SHA256()
        func appendLength(_ count: Int) {
            let count = UInt32(clamping: count)
            hasher.update(data: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: count >> $0) })
        }
        appendLength(wrapped.count)
        hasher.update(data: wrapped)
        hasher.update(data: context)
        if let subject {
            appendLength(subject.utf8.count)
            hasher.update(data: Array(subject.utf8))
        }
        return hasher.finalize()
    }

    /// The subject's digest as the core's `subject.destroyed` event names it.
    static func subjectDigest(_ subject: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: SHA256.hash(data: Array(subject.utf8)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
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
    func store(_ key: SymmetricKey, at slot: SHA256Digest, takenAt generation: UInt64, subject: String? = nil) {
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
            state.entries[slot] = Entry(key: key, expires: .now + lifetime, subject: subject)
        }
    }

    /// Forgets every key (SymmetricKey zeroes its bytes when released).
    func removeAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    /// Forgets the keys of one subject (by digest); returns how many. The
    /// generation moves too, so an unwrap in flight is not stored after it.
    @discardableResult
    func removeSubject(_ digest: String) -> Int {
        state.withLock { state in
            state.generation &+= 1
            let before = state.entries.count
            state.entries = state.entries.filter { $0.value.subject != digest }
            return before - state.entries.count
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
