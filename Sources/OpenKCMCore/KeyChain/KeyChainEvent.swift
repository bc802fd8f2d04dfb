import Synchronization

/// What a key chain tells its listeners (the core's event stream, and from it
/// every gateway): a tenant locked or unlocked, a tenant or service destroyed
/// or retired. Listeners drop what they cached for it.
public enum KeyChainEvent: Sendable, Hashable {
    case tenantLocked(TenantID, cause: LockCause)
    case tenantUnlocked(TenantID)
    case tenantDestroyed(TenantID)
    case serviceDestroyed(TenantID, ServiceID)
    case serviceDeactivated(TenantID, ServiceID)
    /// One data key (L4) was revoked; `digest` is the SHA-256 of its wrapped blob, hex.
    case dataKeyRevoked(TenantID, ServiceID, digest: String)
    /// A subject was destroyed; `digest` is the SHA-256 of the subject id, hex.
    /// Listeners drop every key they cached for that subject.
    case subjectDestroyed(TenantID, ServiceID, digest: String)

    public var tenant: TenantID {
        switch self {
        case .tenantLocked(let tenant, _), .tenantUnlocked(let tenant), .tenantDestroyed(let tenant),
             .serviceDestroyed(let tenant, _), .serviceDeactivated(let tenant, _), .dataKeyRevoked(let tenant, _, _),
             .subjectDestroyed(let tenant, _, _): tenant
        }
    }

    /// The service it names, if it is about one service.
    public var service: ServiceID? {
        switch self {
        case .serviceDestroyed(_, let service), .serviceDeactivated(_, let service), .dataKeyRevoked(_, let service, _),
             .subjectDestroyed(_, let service, _): service
        default: nil
        }
    }

    /// A stable name for the wire (`tenant.locked`, ...).
    public var name: String {
        switch self {
        case .tenantLocked: "tenant.locked"
        case .tenantUnlocked: "tenant.unlocked"
        case .tenantDestroyed: "tenant.destroyed"
        case .serviceDestroyed: "service.destroyed"
        case .serviceDeactivated: "service.deactivated"
        case .dataKeyRevoked: "datakey.revoked"
        case .subjectDestroyed: "subject.destroyed"
        }
    }
}

/// Fans key-chain events out to every listener. It never blocks the key
/// chain: a listener whose buffer is full is ended instead.
final class KeyChainEventBroadcast: Sendable {
    private let listeners = Mutex<[Int: AsyncStream<KeyChainEvent>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    func subscribe(buffer: Int = 1024) -> AsyncStream<KeyChainEvent> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: KeyChainEvent.self, bufferingPolicy: .bufferingNewest(buffer))
        continuation.onTermination = { [weak self] _ in _ = self?.listeners.withLock { $0.removeValue(forKey: id) } }
        listeners.withLock { $0[id] = continuation }
        return stream
    }

    func emit(_ event: KeyChainEvent) {
        for continuation in listeners.withLock({ Array($0.values) }) {
            // A listener too slow to keep up is cut off rather than silently missing a
            // lock: its stream ends, and a gateway reconnects and empties its cache.
            if case .dropped = continuation.yield(event) { continuation.finish() }
        }
    }
}
