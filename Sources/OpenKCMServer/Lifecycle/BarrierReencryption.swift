public import Foundation
public import OpenKCMCore
import Synchronization

/// After a barrier key rotation, moves every record to the active term in the
/// background: small transactions of ``chunkSize`` records (a record another
/// writer changes meanwhile is read again, never overwritten), every record
/// readable throughout. It ends with a check over the raw store that no record
/// under an older term remains (a second pass rewrites those written by a
/// writer that still held the old term), then marks the term re-encrypted in
/// the keyring. Sealing stops it; the next unseal starts it again from the
/// records still under an older term (the keyring says the term is not done).
public final class BarrierReencryption: Sendable {
    static let chunkSize = 64
    private let state = Mutex<(progress: BarrierReencryptionProgress?, task: Task<Void, Never>?)>((nil, nil))

    public init() {}

    /// The last run's progress (the running one's while it runs).
    public var progress: BarrierReencryptionProgress? { state.withLock { $0.progress } }

    /// Starts a run unless one is running; `finished` is called (to audit it) with the term and the records rewritten.
    func start(barrier: SealedStorage, clock: @escaping @Sendable () -> Date,
               finished: @escaping @Sendable (UInt32, Int) async -> Void) {
        state.withLock { state in
            if let task = state.task, !task.isCancelled, state.progress?.finishedAt == nil, state.progress?.failure == nil { return }
            state.task = Task { [self] in await self.run(barrier: barrier, clock: clock, finished: finished) }
        }
    }

    /// Stops a running pass (at seal); the records it did not reach stay readable under their term.
    func cancel() {
        state.withLock { state in
            state.task?.cancel()
            state.task = nil
        }
    }

    private func update(_ change: (inout BarrierReencryptionProgress) -> Void) {
        state.withLock { state in
            if var progress = state.progress {
                change(&progress)
                state.progress = progress
            }
        }
    }

    private func run(barrier: SealedStorage, clock: @Sendable () -> Date, finished: @Sendable (UInt32, Int) async -> Void) async {
        do {
            // A rotation during a run moves the goal: the loop takes the new term, with the records already moved counted.
            while true {
                let status = try await barrier.keyStatus()
                guard status.reencryptionDue else { return }
                let term = status.activeTerm
                state.withLock { state in
                    if state.progress?.term != term || state.progress?.finishedAt != nil || state.progress?.failure != nil {
                        state.progress = BarrierReencryptionProgress(term: term, total: 0, done: 0, rewritten: 0, startedAt: clock())
                    }
                }
                var remaining = Int.max
                for _ in 0..<3 where remaining > 0 {
                    let paths = try await barrier.list(prefix: "")
                    update { $0.total += paths.count }
                    for start in stride(from: 0, to: paths.count, by: Self.chunkSize) {
                        try Task.checkCancellation()
                        let chunk = Array(paths[start..<min(start + Self.chunkSize, paths.count)])
                        let rewritten = try await barrier.reencrypt(chunk)
                        update {
                            $0.done += chunk.count
                            $0.rewritten += rewritten
                        }
                    }
                    remaining = try await barrier.recordsUnderOlderTerms()
                }
                try Task.checkCancellation()
                if try await barrier.keyStatus().activeTerm != term { continue }
                guard remaining == 0 else {
                    update { $0.failure = "\(remaining) records are still under an older term after three passes" }
                    return
                }
                _ = try await barrier.markReencrypted(term: term, at: clock())
                let now = clock()
                update { $0.finishedAt = now }
                await finished(term, progress?.rewritten ?? 0)
                return
            }
        } catch is CancellationError {
            update { $0.failure = "stopped (sealed); it starts again at the next unseal" }
        } catch {
            update { $0.failure = "\(error)" }
        }
    }
}
