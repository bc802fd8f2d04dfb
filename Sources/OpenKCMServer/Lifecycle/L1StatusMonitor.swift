import Foundation
public import Logging
public import OpenKCMCore
public import ServiceLifecycle
import Synchronization

/// The kill switch's watch: every ``interval`` it asks each linked tenant's
/// L1 for its status, locks tenants whose key the customer disabled or
/// deleted (or that stayed unreachable past the grace period), unlocks them
/// when the key is back, and audits every lock and unlock.
///
/// One customer's slow KMS must not delay another's kill switch: a pass
/// waits at most ``interval`` for any one tenant's answer. A check still
/// running then goes on in the background, counts as unreachable for the
/// grace period until it answers, and is not started again until it has.
public struct L1StatusMonitor: Service {
    let operations: Operations
    let interval: Duration
    let logger: Logger
    /// Tenants whose check is still running, from this pass or an earlier one.
    private let running = TenantsInFlight()

    /// On a store shared with other nodes: the check runs on one node at a time, chosen by the store.
    let leadership: (any StorageLeadership)?
    /// How often a node that does not run the check asks to take it over.
    static let takeOverRetry = Duration.seconds(2)

    /// - Parameter leadership: on a store several nodes share, so that one of
    ///   them checks every L1 (and stores the locks every node follows) rather
    ///   than each asking every customer's KMS.
    public init(
        operations: Operations, interval: Duration = .seconds(5), leadership: (any StorageLeadership)? = nil,
        logger: Logger = Logger(label: "openkcm.l1-monitor")
    ) {
        self.operations = operations
        self.interval = interval
        self.leadership = leadership
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await ClusterDuty(name: "l1-status", core: operations.core, leadership: leadership, takeOverRetry: Self.takeOverRetry, logger: logger)
                .runEvery(interval) { await checkOnce() }
        }
    }

    /// One pass over every tenant, a few providers at a time, each waited for at most ``interval``.
    public func checkOnce() async {
        guard let unsealed = try? operations.core.unsealed() else { return }
        let tenants: [TenantID]
        do {
            tenants = try await unsealed.keyChain.tenants()
        } catch let error as BarrierError where error.isIntegrityFailure {
            // The store no longer matches its sealed index, so which tenants are still linked to a live L1
            // cannot be read: fail closed. Every tenant's keys leave memory (locks are kept) and each is
            // loaded again, through its checked records and its L1, at its next use; a tenant whose
            // records fail their check stays refused.
            unsealed.keyChain.evictAll()
            logger.error("the store failed its integrity check; every tenant's keys were dropped from memory", metadata: ["code": .string(error.code)])
            await operations.auditSystemEvent("store.integrity", tenant: nil, errorCode: error.code)
            return
        } catch {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            var started = 0
            for tenant in tenants {
                if started >= 8 {
                    await group.next()
                    started -= 1
                }
                started += 1
                group.addTask { await check(tenant, keyChain: unsealed.keyChain) }
            }
        }
    }

    /// Asks one tenant's L1, waiting at most ``interval``; a check from an earlier pass that still runs is left to finish.
    private func check(_ tenant: TenantID, keyChain: KeyChain) async {
        guard running.enter(tenant) else {
            // Still unanswered since an earlier pass: the grace period runs on.
            await record(await keyChain.noteL1Unanswered(tenant), tenant: tenant)
            return
        }
        let answered = OneShotSignal()
        // Unstructured, so that a provider call that ignores cancellation (a blocking
        // PKCS#11 call, a stalled connection) cannot hold this pass.
        Task {
            defer {
                running.leave(tenant)
                answered.fire()
            }
            await refresh(tenant, keyChain: keyChain)
        }
        let timer = Task {
            try? await Task.sleep(for: interval)
            answered.fire()
        }
        await answered.wait()
        timer.cancel()
        if running.contains(tenant) {
            logger.warning("L1 status check still running after one interval", metadata: ["tenant": .string(tenant.rawValue)])
            await record(await keyChain.noteL1Unanswered(tenant), tenant: tenant)
        }
    }

    private func refresh(_ tenant: TenantID, keyChain: KeyChain) async {
        do {
            await record(try await keyChain.refreshL1Status(tenant), tenant: tenant)
        } catch let error as BarrierError where error.isIntegrityFailure {
            // This tenant's records changed outside the server (its L1 link may have been put back):
            // its keys leave memory, and its next use reads the records again and is refused.
            keyChain.evictTenant(tenant)
            logger.error("a tenant's records failed their integrity check; its keys were dropped from memory",
                         metadata: ["tenant": .string(tenant.rawValue), "code": .string(error.code)])
            await operations.auditSystemEvent("store.integrity", tenant: tenant, errorCode: error.code)
        } catch {}
    }

    private func record(_ change: L1StatusChange?, tenant: TenantID) async {
        guard let change else { return }
        switch change {
        case .locked(let reason):
            logger.warning("tenant locked", metadata: ["tenant": .string(tenant.rawValue), "reason": .string(reason)])
            await operations.auditSystemEvent("l1.lock", tenant: tenant, errorCode: "keychain.tenant_locked")
        case .unlocked:
            logger.info("tenant unlocked", metadata: ["tenant": .string(tenant.rawValue)])
            await operations.auditSystemEvent("l1.unlock", tenant: tenant, errorCode: nil)
        }
    }
}

/// Tenants with a status check under way.
private final class TenantsInFlight: Sendable {
    private let tenants = Mutex<Set<TenantID>>([])

    /// False if the tenant's check is already running.
    func enter(_ tenant: TenantID) -> Bool { tenants.withLock { $0.insert(tenant).inserted } }
    func leave(_ tenant: TenantID) { _ = tenants.withLock { $0.remove(tenant) } }
    func contains(_ tenant: TenantID) -> Bool { tenants.withLock { $0.contains(tenant) } }
}

/// Resumes one waiter once, whichever of several events comes first.
private final class OneShotSignal: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Void, Never>)
        case fired
    }
    private let state = Mutex(State.idle)

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state = .fired }
            if case .waiting(let continuation) = state { return continuation }
            return nil
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> Bool in
                if case .fired = state { return true }
                state = .waiting(continuation)
                return false
            }
            if fired { continuation.resume() }
        }
    }
}
