import Synchronization

/// Which services' KMIP objects this node has already moved off their
/// compromised L3 versions, so the rotation schedule lists a service's
/// objects once per set of such versions (and once again after a restart),
/// not at every pass while the versions stay open.
final class KMIPObjectSweeps: Sendable {
    private let done = Mutex<Set<String>>([])

    func contains(_ key: String) -> Bool { done.withLock { $0.contains(key) } }

    func insert(_ key: String) { _ = done.withLock { $0.insert(key) } }
}
