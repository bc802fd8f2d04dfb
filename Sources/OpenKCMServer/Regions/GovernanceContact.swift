import OpenKCMCore
import Synchronization

/// When a regional core last heard from the governance plane. Opening and
/// closing the key chain's region gate happen under the same lock as the
/// time is read and written, so a heartbeat that opens the gate and the grace
/// check that closes it cannot interleave and leave the gate and the time
/// disagreeing.
final class GovernanceContact: Sendable {
    private let lastContact: Mutex<ContinuousClock.Instant>
    let gracePeriod: Duration

    init(gracePeriod: Duration, now: ContinuousClock.Instant = .now) {
        self.gracePeriod = gracePeriod
        lastContact = Mutex(now)
    }

    /// Notes an answer from the governance plane.
    func heard(at now: ContinuousClock.Instant = .now) {
        lastContact.withLock { $0 = now }
    }

    /// Notes an answer and opens `keyChain`'s gate; true when it was closed.
    func open(_ keyChain: KeyChain, at now: ContinuousClock.Instant = .now) -> Bool {
        lastContact.withLock { last in
            last = now
            let wasClosed = keyChain.regionGateReason != nil
            keyChain.openRegionGate()
            return wasClosed
        }
    }

    /// Closes `keyChain`'s gate once the grace period has passed since the
    /// last answer; true when it closed it now.
    func closeIfExpired(_ keyChain: KeyChain, reason: String, at now: ContinuousClock.Instant = .now) -> Bool {
        lastContact.withLock { last in
            guard now - last > gracePeriod, keyChain.regionGateReason == nil else { return false }
            keyChain.closeRegionGate(reason: reason)
            return true
        }
    }
}
