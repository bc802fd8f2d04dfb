public import Logging
public import OpenKCMCore
public import ServiceLifecycle

/// Keeps a regional core (`--plane crypto`) in step with the governance
/// plane: reads its region's snapshot, then waits on it for changes (a long
/// poll that answers within a poll interval of a change, so an unlink
/// reaches the region well within a second), applying each.
///
/// Fail-closed: the key chain's region gate is closed from the unseal until
/// a whole snapshot has been applied, and again when the governance plane has
/// not answered for the grace period; it opens only after a whole snapshot
/// read since then has been applied (so an unlink made during an outage is in
/// force before anything is served again), with no operator step.
public struct GovernanceFollower: Service {
    let operations: Operations
    let source: any GovernanceSource
    let contact: GovernanceContact
    let backoff = RegionApplyBackoff()
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
        // At least one heartbeat per half grace period, and never a busy loop.
        self.wait = max(.seconds(1), min(wait, gracePeriod / 2))
        self.logger = logger
    }

    public func run() async throws {
        guard let region = operations.core.region else { return }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await follow(region) }
                group.addTask { await watchGrace() }
                group.addTask { await report() }
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
            // Sealed, nothing is served and nothing can be applied; a new unseal starts with its gate closed.
            guard let keyChain = try? operations.core.unsealed().keyChain else {
                held = nil
                unfinished = nil
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            // A closed gate opens only on a whole snapshot read after it closed.
            let closed = keyChain.regionGateReason != nil
            let after = closed ? nil : held
            do {
                let waitFor: Duration = after == nil ? .zero : (unfinished == nil ? wait : min(wait, Self.retryInterval))
                let snapshot = try await source.snapshot(of: region, after: after, wait: waitFor)
                if let snapshot { try await operations.checkGovernance(snapshot) }
                contact.heard()
                if failing { logger.notice("the governance plane answers again") }
                failing = false
                var revocationsFailed = false
                if let newest = snapshot ?? unfinished {
                    let (failures, revocations) = await operations.applyRegionSnapshot(newest, backoff: backoff, logger: logger)
                    held = newest.generation
                    unfinished = failures.isEmpty ? nil : newest
                    revocationsFailed = revocations > 0
                }
                // Only once every unlink and destruction of the snapshot is in force; else it is read whole again.
                if closed, snapshot != nil {
                    if revocationsFailed {
                        held = nil
                        try? await Task.sleep(for: Self.retryInterval)
                    } else if contact.open(keyChain) {
                        logger.notice("the governance plane's snapshot is applied: this region's tenants are served")
                        await operations.auditSystemEvent("governance.gate.open", tenant: nil, errorCode: nil)
                    }
                }
            } catch {
                if !failing { logger.warning("cannot follow the governance plane", metadata: ["error": "\(error)"]) }
                failing = true
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// What the region's tenants look like, for `tenant show` at the governance
    /// plane, once per heartbeat interval; apart from the follow loop, so a
    /// slow report never delays a change. One that does not arrive changes
    /// nothing here: the next one is sent anyway.
    private func report() async {
        while !Task.isCancelled {
            if let report = await operations.regionReport() {
                do { try await source.report(report) } catch { logger.debug("the region report was not taken", metadata: ["error": "\(error)"]) }
            }
            try? await Task.sleep(for: wait)
        }
    }

    /// How often a change that could not be applied is tried again.
    static let retryInterval: Duration = .seconds(2)

    /// Checks the grace period twice a second, apart from the requests, so a
    /// request hanging on a partition does not hold the gate open.
    private func watchGrace() async {
        let reason = "this regional core has not heard from the governance plane for more than \(contact.gracePeriod)"
        while !Task.isCancelled {
            if let keyChain = try? operations.core.unsealed().keyChain, contact.closeIfExpired(keyChain, reason: reason) {
                logger.error("the governance plane was not heard from within the grace period: no tenant is served",
                             metadata: ["grace": "\(contact.gracePeriod)"])
                await operations.auditSystemEvent("governance.gate.close", tenant: nil, errorCode: "governance.unreachable")
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
