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
        await source.close()
    }

    private func follow(_ region: RegionID) async {
        var held: UInt64?
        /// The last snapshot, while part of it could not be applied (an L1 unreachable): applied again at each
        /// heartbeat, without asking for it (and auditing it) again.
        var unfinished: RegionSnapshot?
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
                // While something is left to apply, the heartbeat comes sooner, so it is tried again every few seconds.
                let waitFor = held == nil ? .zero : (unfinished == nil ? wait : min(wait, Self.retryInterval))
                let snapshot = try await source.snapshot(of: region, after: held, wait: waitFor)
                if contact.heard() {
                    logger.notice("the governance plane answers again: its locks are lifted")
                    await operations.lockForGovernance(false, reason: "")
                    // What changed meanwhile is read whole.
                    held = nil
                    continue
                }
                if failing { logger.notice("the governance plane answers again") }
                failing = false
                if let newest = snapshot ?? unfinished {
                    let failures = await operations.applyRegionSnapshot(newest, logger: logger)
                    held = newest.generation
                    unfinished = failures.isEmpty ? nil : newest
                }
                // What the region's tenants look like now, for `tenant show` at the governance plane; a report
                // that does not arrive changes nothing here (the next heartbeat sends a new one).
                if let report = await operations.regionReport() {
                    do { try await source.report(report) } catch { logger.debug("the region report was not taken", metadata: ["error": "\(error)"]) }
                }
            } catch {
                if !failing { logger.warning("cannot reach the governance plane", metadata: ["error": "\(error)"]) }
                failing = true
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// How often a change that could not be applied is tried again.
    static let retryInterval: Duration = .seconds(2)

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
