import Synchronization

/// When a regional core last heard from the governance plane, and whether it
/// locked its tenants for not hearing from it within the grace period.
final class GovernanceContact: Sendable {
    private struct State {
        var lastContact: ContinuousClock.Instant
        var locked = false
    }

    private let state: Mutex<State>
    let gracePeriod: Duration

    init(gracePeriod: Duration, now: ContinuousClock.Instant = .now) {
        self.gracePeriod = gracePeriod
        state = Mutex(State(lastContact: now))
    }

    /// Notes an answer; true when the tenants were locked for its absence and are to be unlocked.
    func heard(at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            state.lastContact = now
            defer { state.locked = false }
            return state.locked
        }
    }

    /// True once, when the grace period has run out since the last answer: the tenants are to be locked.
    func graceExpired(at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard !state.locked, now - state.lastContact > gracePeriod else { return false }
            state.locked = true
            return true
        }
    }

    var isLocked: Bool { state.withLock { $0.locked } }
}
