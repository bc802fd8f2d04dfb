/// A store several nodes share that can pick one of them for a duty that
/// must run once in the cluster (the L1 status check, later the rotation
/// scheduler), and hand it to another node when that one dies.
public protocol StorageLeadership: Sendable {
    /// Runs `duty` while this node holds the store-wide lock `name`, and
    /// otherwise asks for it every `retry`: when the holder dies, its
    /// connection closes, the lock is released and another node takes over
    /// within `retry`. `duty` is cancelled when the lock is lost (the
    /// connection holding it closed). Returns once the calling task is cancelled.
    func lead(_ name: String, retry: Duration, _ duty: @escaping @Sendable () async -> Void) async
}
