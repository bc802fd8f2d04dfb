/// A store several processes write at once (replicas on one database): it
/// tells each of them what the others committed, so what they hold in memory
/// follows within moments instead of at their next read.
///
/// Announcements are a speed-up, never the guarantee: a process may miss some
/// (its connection dropped), which it learns as ``StorageChange/unknown``, and
/// ``StoreFreshness`` bounds how long anything held in memory is trusted
/// without asking the store.
public protocol StorageChangeFeed: Sendable {
    /// Every commit from now on, by any writer (this process included), as
    /// the keys it wrote. Each call opens its own subscription; it ends when
    /// the stream is dropped.
    func changes() -> AsyncStream<StorageChange>

    /// The nodes listening for changes now (their ids), this one included
    /// while it listens: the replicas that are up.
    func listeners() async throws -> [String]
}

/// One announcement of a ``StorageChangeFeed``.
public enum StorageChange: Sendable, Equatable {
    /// A commit wrote or deleted these keys.
    case keys([String])
    /// Commits may have been missed (the subscription started or was
    /// reconnected, or an announcement was too long to name its keys):
    /// anything may have changed.
    case unknown
}
