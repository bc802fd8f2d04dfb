import Foundation
import OpenKCMCore

/// Keeps an anonymous flood from filling the disk with audit entries.
///
/// Requests with no valid credential cost the sender nothing, so their
/// refusals are written one entry each only up to a token bucket (`burst`
/// at once, `perSecond` after that); beyond it they are counted, and the
/// count goes into the chain as one entry (`audit.anonymous_refusals`, with
/// `count`) the next time one is admitted or at the next periodic flush.
/// Every refusal is still accounted for in the chain; only the per-request
/// detail of a flood is dropped. Authenticated callers are never limited.
struct AnonymousRefusalLimiter: Sendable {
    let burst: Double
    let perSecond: Double
    private var tokens: Double
    private var refilled: ContinuousClock.Instant
    /// Refusals counted but not written since the last summary.
    private(set) var suppressed: UInt64 = 0

    init(burst: Int = 100, perSecond: Int = 20, now: ContinuousClock.Instant = .now) {
        self.burst = Double(burst)
        self.perSecond = Double(perSecond)
        self.tokens = Double(burst)
        self.refilled = now
    }

    /// Whether `entry` is limited at all: a refusal of a caller without identity.
    static func applies(to entry: AuditEntry) -> Bool {
        entry.identity == "anonymous" && entry.outcome != .success && entry.count == nil
    }

    /// Whether one more refusal may be written now; if not, it is counted.
    mutating func admit(now: ContinuousClock.Instant) -> Bool {
        let elapsed = now - refilled
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * perSecond)
        refilled = now
        guard tokens >= 1 else {
            suppressed += 1
            return false
        }
        tokens -= 1
        return true
    }

    /// Counts `refusals` again whose summary could not be written.
    mutating func recount(_ refusals: UInt64) {
        suppressed += refusals
    }

    /// The entry that stands for the refusals counted since the last one, if any, and resets the count.
    mutating func summary(time: Date) -> AuditEntry? {
        guard suppressed > 0 else { return nil }
        defer { suppressed = 0 }
        return AuditEntry(
            time: time, correlationID: RandomUUID.make(), identity: "anonymous", operation: "audit.anonymous_refusals",
            outcome: .refused, errorCode: "audit.rate_limited", count: suppressed)
    }
}
