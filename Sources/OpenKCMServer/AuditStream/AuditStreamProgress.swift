import Synchronization

/// How far one audit stream has got, read by `/metrics`: the log's durable
/// head, the sequence the receiver acknowledged, and the failures so far.
public final class AuditStreamProgress: Sendable {
    public let sink: String
    private let head = Atomic<UInt64>(0)
    private let acknowledged = Atomic<UInt64>(0)
    private let failures = Atomic<UInt64>(0)
    private let connected = Atomic<Bool>(false)

    /// The log's durable head now (read at scrape time, so the lag is current even while a delivery waits).
    private let currentHead: @Sendable () -> UInt64?

    init(sink: String, head: @escaping @Sendable () -> UInt64? = { nil }) {
        self.sink = sink
        self.currentHead = head
    }

    /// The newest entry on disk.
    public var headSequence: UInt64 { currentHead() ?? head.load(ordering: .relaxed) }
    /// The newest entry the receiver holds for certain.
    public var acknowledgedSequence: UInt64 { acknowledged.load(ordering: .relaxed) }
    /// Entries written but not yet acknowledged.
    public var lagEntries: UInt64 { headSequence > acknowledgedSequence ? headSequence - acknowledgedSequence : 0 }
    /// Deliveries that failed (a receiver down counts once per attempt).
    public var failureCount: UInt64 { failures.load(ordering: .relaxed) }
    /// Whether the last attempt reached the receiver.
    public var isDelivering: Bool { connected.load(ordering: .relaxed) }

    func saw(head sequence: UInt64) { head.store(sequence, ordering: .relaxed) }
    func acknowledged(_ sequence: UInt64) { acknowledged.store(sequence, ordering: .relaxed) }
    func failed() {
        failures.add(1, ordering: .relaxed)
        connected.store(false, ordering: .relaxed)
    }
    func delivered() { connected.store(true, ordering: .relaxed) }
}
