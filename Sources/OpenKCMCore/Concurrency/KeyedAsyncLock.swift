import Synchronization

/// Serialises async work per key (a tenant): read-modify-write of one tenant's
/// records must not interleave, while different tenants proceed in parallel.
/// Waiters are resumed in FIFO order.
package final class KeyedAsyncLock<Key: Hashable & Sendable>: Sendable {
    private struct Entry {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let entries = Mutex<[Key: Entry]>([:])

    package init() {}

    package func withLock<Result: Sendable>(_ key: Key, _ body: () async throws -> Result) async throws -> Result {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: Key) async {
        let acquired = entries.withLock { entries in
            if entries[key]?.held == true { return false }
            entries[key, default: Entry()].held = true
            return true
        }
        if acquired { return }
        await withCheckedContinuation { continuation in
            let acquiredNow = entries.withLock { entries in
                if entries[key]?.held == true {
                    entries[key]?.waiters.append(continuation)
                    return false
                }
                entries[key, default: Entry()].held = true
                return true
            }
            if acquiredNow { continuation.resume() }
        }
    }

    private func release(_ key: Key) {
        let next = entries.withLock { entries -> CheckedContinuation<Void, Never>? in
            guard var entry = entries[key] else { return nil }
            if entry.waiters.isEmpty {
                entries.removeValue(forKey: key)
                return nil
            }
            // Ownership passes straight to the first waiter; `held` stays true.
            let first = entry.waiters.removeFirst()
            entries[key] = entry
            return first
        }
        next?.resume()
    }
}
