package import OpenKCMCore
import Synchronization

/// Tenants whose L1 call failed while a regional core applied a snapshot
/// (their KMS unreachable or slow): tried again after a growing pause (2 s,
/// doubling to 60 s), so one customer's hanging KMS does not hold every
/// snapshot (and with it every other tenant's unlink) behind its timeout.
package final class RegionApplyBackoff: Sendable {
    private let failures = Mutex<[TenantID: (count: Int, until: ContinuousClock.Instant)]>([:])

    package init() {}

    /// Whether `tenant`'s L1 may be called now.
    package func mayTry(_ tenant: TenantID, now: ContinuousClock.Instant = .now) -> Bool {
        failures.withLock { ($0[tenant]?.until ?? now) <= now }
    }

    package func failed(_ tenant: TenantID, now: ContinuousClock.Instant = .now) {
        failures.withLock { failures in
            let count = (failures[tenant]?.count ?? 0) + 1
            failures[tenant] = (count, now + min(.seconds(60), .seconds(2) * (1 << min(count - 1, 5))))
        }
    }

    package func succeeded(_ tenant: TenantID) {
        _ = failures.withLock { $0.removeValue(forKey: tenant) }
    }
}
