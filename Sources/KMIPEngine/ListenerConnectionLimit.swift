import Synchronization

/// How many connections a listener (REST, KMIP, the data-key channel) has open, against its limit: past
/// it, a new connection is closed on arrival.
public final class ListenerConnectionLimit: Sendable {
    public let maximum: Int
    private let count = Atomic<Int>(0)

    public init(maximum: Int) {
        self.maximum = maximum
    }

    /// Counts a new connection in, or returns false (and counts nothing) when the limit is reached.
    public func enter() -> Bool {
        guard count.wrappingAdd(1, ordering: .relaxed).newValue <= maximum else {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    public func leave() {
        count.wrappingSubtract(1, ordering: .relaxed)
    }
}
