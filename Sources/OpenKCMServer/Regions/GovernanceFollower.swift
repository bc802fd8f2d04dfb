public import Logging
public import OpenKCMCore
public import ServiceLifecycle

/// Keeps a regional core (`--plane crypto`) in step with the governance
/// plane: reads its region's snapshot, then waits on it for changes (a long
/// poll that answers within a poll interval of a change, so an unlink
/// reaches the region well within a second), applying each.
///
/// Fail-closed: when the governance plane has not answered for the grace
/// period, every tenant is locked until it answers again; the locks are then
/// lifted and the newest snapshot applied, with no operator step.
public struct GovernanceFollower: Service {
    let operations: Operations
    let source: any GovernanceSource
    let contact: GovernanceContact
    let logger: Logger
    /// How long one wait at the governance plane lasts: a heartbeat at least this often.
    let wait: Duration

    public init(
        operations: Operations, source: any GovernanceSource, gracePeriod: Duration = .seconds(60), wait: Duration = .seconds(10),
        logger: Logger = Logger(label: "openkcm.governance")
    ) {
        self.operations = operations
        self.source = source
        self.contact = GovernanceContact(gracePeriod: gracePeriod)
        self.wait = min(wait, gracePeriod / 2)
        self.logger = logger
    }

    public func run() async throws {
        guard let region = operations.core.region else { return }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await follow(region) }
                group.addTask { await watchGrace() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func follow(_ region: RegionID) async {
        var held: UInt64?
        var failing = false
        while !Task.isCancelled {
            // Sealed, nothing is served and nothing can be applied: follow again from scratch once unsealed.
            guard (try? operations.core.unsealed()) != nil else {
                held = nil
                _ = contact.heard()
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            do {
                let snapshot = try await source.snapshot(of: region, after: held, wait: held == nil ? .zero : wait)
                if contact.heard() {
                    logger.notice("the governance plane answers again: its locks are lifted")
                    await operations.lockForGovernance(false, reason: "")
                    // What changed meanwhile is read whole.
                    held = nil
                    continue
                }
                if failing { logger.notice("the governance plane answers again") }
                failing = false
                if let snapshot {
                    let failures = await operations.applyRegionSnapshot(snapshot, logger: logger)
                    // A failed change is tried again: the next wait answers at once with the same generation.
                    held = failures.isEmpty ? snapshot.generation : nil
                    if !failures.isEmpty { try? await Task.sleep(for: .seconds(1)) }
                }
            } catch {
                if !failing { logger.warning("cannot reach the governance plane", metadata: ["error": "\(error)"]) }
                failing = true
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Checks the grace period twice a second, apart from the requests, so a
    /// request hanging on a partition does not hold the lock back.
    private func watchGrace() async {
        while !Task.isCancelled {
            if (try? operations.core.unsealed()) != nil, contact.graceExpired() {
                logger.error("the governance plane was not heard from within the grace period: every tenant is locked",
                             metadata: ["grace": "\(contact.gracePeriod)"])
                await operations.lockForGovernance(true, reason: "the governance plane has not been reachable for \(contact.gracePeriod)")
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
