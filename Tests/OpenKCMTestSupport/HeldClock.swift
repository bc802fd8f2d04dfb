public import Foundation
import Synchronization

/// A clock a test holds and moves by hand: schedules and expiries are tested
/// by moving it, never by waiting (wall-clock bounds make tests flaky under load).
public final class HeldClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    /// The clock as the code under test takes it.
    public var reading: @Sendable () -> Date { { [self] in self.now } }

    public func advance(_ seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
