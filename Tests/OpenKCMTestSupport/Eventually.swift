/// Waits for a condition in tests that check behaviour, not latency.
///
/// The suites that run in parallel (scripts/test's first phase) share two
/// cores and the peers with every other suite, so how long a change takes to
/// show there says nothing about the product. They wait with this, whose
/// timeout only stops a test that would otherwise hang; latency promises are
/// measured in the serial phase (see scripts/test's `SERIAL_SUITES`).
public enum Eventually {
    /// Long enough that no load on a CI machine reaches it, short enough that a hung test still ends.
    public static let timeout: Duration = .seconds(60)

    /// Polls `condition` every `interval` until it holds (true) or `timeout` has passed (false).
    @discardableResult
    public static func holds(
        within timeout: Duration = Eventually.timeout, every interval: Duration = .milliseconds(50),
        _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: interval)
        }
    }

    /// Polls `attempt` until it gives a value, or nil once `timeout` has passed.
    public static func value<Value>(
        within timeout: Duration = Eventually.timeout, every interval: Duration = .milliseconds(50),
        _ attempt: () async throws -> Value?
    ) async throws -> Value? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await attempt() { return value }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: interval)
        }
    }
}
