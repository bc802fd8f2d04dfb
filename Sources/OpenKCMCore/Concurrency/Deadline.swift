import Synchronization

/// Runs an operation that cannot be called back once started (a query
/// already sent to a database) and stops waiting for it after a time: the
/// caller gets ``DeadlineExceeded``, the operation is cancelled (which ends
/// what can end, a wait for a connection) and otherwise finishes on its own.
package enum Deadline {
    package static func run<Value: Sendable>(
        within limit: Duration, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let pending = Pending(continuation)
            let work = Task {
                let result: Result<Value, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                pending.resume(with: result)
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled else { return }
                pending.resume(with: .failure(DeadlineExceeded()))
                work.cancel()
            }
            pending.onResume { timer.cancel() }
        }
    }

    /// The caller's continuation, resumed by whichever of the two tasks ends first.
    private final class Pending<Value: Sendable>: Sendable {
        private let state: Mutex<(continuation: CheckedContinuation<Value, any Error>?, resumed: (@Sendable () -> Void)?)>

        init(_ continuation: CheckedContinuation<Value, any Error>) {
            self.state = Mutex((continuation, nil))
        }

        /// Runs `body` once resumed (now, if it already was).
        func onResume(_ body: @escaping @Sendable () -> Void) {
            let already = state.withLock { state in
                guard state.continuation != nil else { return true }
                state.resumed = body
                return false
            }
            if already { body() }
        }

        func resume(with result: Result<Value, any Error>) {
            let (continuation, resumed) = state.withLock { state in
                defer { state = (nil, nil) }
                return (state.continuation, state.resumed)
            }
            continuation?.resume(with: result)
            if continuation != nil { resumed?() }
        }
    }
}
