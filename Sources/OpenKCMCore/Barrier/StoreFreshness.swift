import Foundation
import Synchronization

/// How a node that shares its store with other nodes keeps what it holds in
/// memory no staler than ``bound``.
///
/// Every write to a scope of the barrier's index (a tenant, or a system area
/// such as identities) rewrites that scope's root at the write's store
/// generation, so the root's version is a per-scope generation that moves
/// whenever anything in the scope changes, on any node. A holder of memory
/// built from a scope notes the generation it read before building it, and
/// before serving from it asks ``generation(of:)``: the store is asked again
/// once the answer is older than ``bound`` or an announcement
/// (``StorageChangeFeed``) said the scope changed. A store that cannot be asked
/// throws, and the holder refuses instead of serving from memory.
///
/// Nodes with a store of their own (SQLite, memory) need none of this: every
/// write goes through their own memory.
public final class StoreFreshness: Sendable {
    /// How long a generation read from the store is trusted without asking
    /// again. Asking may take half of it before the answer counts as "cannot
    /// confirm": a node cut from its store stops serving at most `bound` after
    /// its last confirmation and answers refusals within 1.5 times `bound`.
    package let bound: Duration
    private let backend: any Storage
    private let known = Mutex<[StorageScope: Reading]>([:])
    /// Bumped by every announcement, so a read that raced one is not kept.
    private let announcements = Atomic<UInt64>(0)
    /// When the store last failed to answer: for a short while after, callers
    /// are refused at once instead of each waiting out its own deadline.
    private let lastFailure = Mutex<(at: ContinuousClock.Instant, reason: String)?>(nil)

    /// A scope's generation and when it was read.
    package struct Reading: Sendable, Equatable {
        package let generation: UInt64
        package let readAt: ContinuousClock.Instant

        package init(generation: UInt64, readAt: ContinuousClock.Instant) {
            self.generation = generation
            self.readAt = readAt
        }
    }

    public init(backend: any Storage, bound: Duration = .seconds(1)) {
        self.backend = backend
        self.bound = bound
    }

    /// The scope's generation: as read within ``bound`` and not announced
    /// changed since, or read from the store now.
    /// Throws ``StoreFreshnessError/unconfirmed(reason:)`` when the store does
    /// not answer within half of ``bound``.
    package func generation(of scope: StorageScope) async throws(StoreFreshnessError) -> Reading {
        if let reading = known.withLock({ $0[scope] }), ContinuousClock.now - reading.readAt < bound { return reading }
        if let failure = lastFailure.withLock({ $0 }), ContinuousClock.now - failure.at < bound / 4 {
            throw .unconfirmed(reason: failure.reason)
        }
        // Taken before the read: the answer is at least this fresh, and an announcement after it makes it stale.
        let readAt = ContinuousClock.now
        let mark = announcements.load(ordering: .acquiring)
        let stored: Data?
        do {
            let backend = backend
            stored = try await Deadline.run(within: bound / 2) { try await backend.get(scope.rootKey) }
        } catch {
            let reason = error is DeadlineExceeded ? "the store did not answer within \(bound / 2)" : "the store failed: \(error)"
            lastFailure.withLock { $0 = (.now, reason) }
            throw .unconfirmed(reason: reason)
        }
        lastFailure.withLock { $0 = nil }
        let reading = Reading(generation: SealedStorage.version(of: stored) ?? 0, readAt: readAt)
        known.withLock { known in
            guard announcements.load(ordering: .acquiring) == mark else { return }
            // Bounded: a node serving very many tenants reads some roots again rather than grow.
            if known.count >= 100_000 { known.removeAll() }
            if let newer = known[scope], newer.readAt > readAt { return }
            known[scope] = reading
        }
        return reading
    }

    /// Another writer committed to `scopes`: the next ``generation(of:)`` asks the store.
    package func forget(_ scopes: some Sequence<StorageScope>) {
        announcements.add(1, ordering: .acquiringAndReleasing)
        known.withLock { known in
            for scope in scopes { known.removeValue(forKey: scope) }
        }
    }

    /// Anything may have changed.
    package func forgetAll() {
        announcements.add(1, ordering: .acquiringAndReleasing)
        known.withLock { $0.removeAll() }
    }

    /// The scopes a change touched; nil when it cannot say (anything may have changed).
    package static func scopes(of change: StorageChange) -> Set<StorageScope>? {
        guard case .keys(let keys) = change else { return nil }
        var scopes = Set<StorageScope>()
        for key in keys {
            if key.hasPrefix(StorageScope.scopeRootPrefix) {
                guard let scope = StorageScope.named(String(key.dropFirst(StorageScope.scopeRootPrefix.count))) else { return nil }
                scopes.insert(scope)
            } else if let scope = StorageScope.of(key) {
                scopes.insert(scope)
            }
        }
        return scopes
    }
}
