import Synchronization

/// Which of several core replicas a gateway asks first: the one that answered
/// last. When it does not answer, the next one is asked, and from then on
/// first (unless another call moved on already).
final class CoreTurn: Sendable {
    private let value = Atomic<Int>(0)
    let count: Int

    init(count: Int) {
        self.count = max(1, count)
    }

    /// The replicas' indices in the order to try them now.
    var order: [Int] {
        let first = value.load(ordering: .relaxed) % count
        return (0..<count).map { (first + $0) % count }
    }

    /// Replica `failed` did not answer: start with the next one.
    func move(from failed: Int) {
        _ = value.compareExchange(expected: failed, desired: (failed + 1) % count, ordering: .relaxed)
    }
}
