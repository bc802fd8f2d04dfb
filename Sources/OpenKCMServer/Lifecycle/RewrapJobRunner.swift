public import Foundation
public import Logging
public import OpenKCMCore
public import ServiceLifecycle
import Synchronization

/// Runs the stored rewrap jobs (``RewrapJob``) in the background, chunk by
/// chunk, on one node of those sharing a store.
///
/// Each chunk's blobs are rewrapped, then its results are stored and the job
/// counts it done in one atomic write, conditioned on the job record being
/// as read: a server killed mid-chunk stores nothing of that chunk and does
/// it again after its restart, and two nodes never both store one. Its
/// outcome then goes into the audit log (counted), and the job notes it did;
/// a restart between the two writes the missing entries from the stored
/// results, so each chunk is counted once.
///
/// Jobs take turns, one chunk each, so one large or slow (rate-limited) job
/// holds no other back. A job whose tenant is locked, unlinked or sealed
/// away waits without writing anything (logged once per reason); a job whose
/// service or tenant was destroyed is gone with it. A blob that cannot be
/// rewrapped (foreign, another context, revoked, under a closed version) is
/// a failure in its place in the output, and the job goes on. Finished jobs
/// are deleted after ``retention``.
public struct RewrapJobRunner: Service {
    let operations: Operations
    let interval: Duration
    let leadership: (any StorageLeadership)?
    let logger: Logger
    /// How long a finished job (its results) is kept.
    public static let retention: TimeInterval = 7 * 86_400
    /// Why each paused job paused, as last logged, and when each rate-limited job may run its next chunk.
    private let state = RunnerState()

    public init(
        operations: Operations, interval: Duration = .seconds(1), leadership: (any StorageLeadership)? = nil,
        logger: Logger = Logger(label: "openkcm.rewrap-jobs")
    ) {
        self.operations = operations
        self.interval = interval
        self.leadership = leadership
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await ClusterDuty(name: "rewrap-jobs", core: operations.core, leadership: leadership, takeOverRetry: .seconds(5), logger: logger)
                .runEvery(interval) { await runPending() }
        }
    }

    /// Runs the unfinished jobs, a chunk of each in turn, until none can go on now.
    public func runPending() async {
        while !Task.isCancelled {
            guard let unsealed = try? operations.core.unsealed(), unsealed.keyChain.regionGateReason == nil,
                  let keys = try? await operations.core.barrier.list(prefix: RewrapJob.storageRoot)
            else { return }
            var progressed = false
            var soonest: ContinuousClock.Instant?
            for key in keys {
                if Task.isCancelled { return }
                if let notBefore = state.notBefore(key), notBefore > .now {
                    soonest = min(soonest ?? notBefore, notBefore)
                    continue
                }
                do {
                    if try await step(key, keyChain: unsealed.keyChain) { progressed = true }
                    state.clearPause(key)
                } catch {
                    if state.paused(key, because: "\(error)") {
                        logger.warning("rewrap job paused; it goes on when this passes", metadata: ["job": "\(key)", "error": "\(error)"])
                    }
                }
            }
            if !progressed {
                // Only rate-limited jobs are left for now: wait for the first, if it is due before the next pass.
                guard let soonest, soonest - .now < interval else { return }
                try? await Task.sleep(until: soonest)
            }
        }
    }

    /// Moves the job one step: its missing audit entries, or its next chunk, or its deletion once past retention.
    /// Returns whether it did anything.
    @discardableResult
    func step(_ key: String, keyChain: KeyChain) async throws -> Bool {
        let core = operations.core
        guard let data = try await core.barrier.get(key) else { return false }
        let job = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
        if job.auditedChunks < job.doneChunks {
            // Left from before a restart (or a failed audit write): an entry may already be in the log.
            try await auditDone(job, key: key, checkingLog: true)
            return true
        }
        if let finished = job.finishedAt {
            if core.now().timeIntervalSince(finished) > Self.retention { try await delete(job) }
            return false
        }
        // Nothing is announced for a job that cannot run now: a locked tenant's job would otherwise write every pass.
        do {
            try keyChain.refuseIfLockedInMemory(job.tenant)
            let tenant = try await keyChain.tenantKeyRing(job.tenant)
            if tenant.l1UnlinkedAt != nil { throw KeyChainError.tenantLocked(job.tenant, reason: KeyChain.unlinkedReason) }
            if let reason = tenant.l1ProviderLock { throw KeyChainError.tenantLocked(job.tenant, reason: reason) }
            _ = try await keyChain.serviceKeyRing(job.service, tenant: job.tenant)
        } catch KeyChainError.serviceNotFound, KeyChainError.tenantNotFound {
            // Shredded: what the job holds was wrapped under keys that no longer exist.
            try await delete(job)
            return false
        }

        let chunk = job.doneChunks
        let started = ContinuousClock.now
        let inputKey = job.inputKey(chunk: chunk)
        guard let input = try await core.barrier.get(inputKey) else { throw BarrierError.recordMissing(key: inputKey) }
        let items = try RecordCoder.decode([RewrapJobItem].self, from: input, at: inputKey)
        try await operations.recordJobEvent(job, outcome: .attempted, key: "chunk \(chunk + 1)/\(job.chunks): \(items.count) data keys")

        var outcomes: [RewrapJobOutcome] = []
        outcomes.reserveCapacity(items.count)
        var newest: UInt32?
        for item in items {
            let from = (try? WrappedKey(parsing: item.wrapped))?.header.keyVersion
            do {
                let context = try EncryptionContext(item.context ?? [:])
                let subject = try item.subject.map { try SubjectID($0) }
                try await operations.refuseIfDestroyed(item.wrapped, tenant: job.tenant, service: job.service)
                let rewrapped = try await keyChain.rewrapDataKey(item.wrapped, tenant: job.tenant, service: job.service, context: context, subject: subject)
                newest = max(newest ?? 0, try WrappedKey(parsing: rewrapped).header.keyVersion)
                outcomes.append(RewrapJobOutcome(wrapped: rewrapped, fromVersion: from))
            } catch let error where Self.pauses(error) {
                throw error
            } catch {
                outcomes.append(RewrapJobOutcome(fromVersion: from, error: (error as? any OpenKCMError)?.code ?? (error as? ProblemDetails)?.code ?? "internal"))
            }
        }

        // Stored only if no one stored this chunk meanwhile (another node, or this one before a restart).
        let stored: Bool = try await core.barrier.transaction {
            guard let data = try await core.barrier.get(key) else { return false }
            var current = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
            guard current.doneChunks == chunk, current.finishedAt == nil else { return false }
            current.record(outcomes, under: newest, at: core.now())
            try await core.barrier.write([
                .put(key: job.outputKey(chunk: chunk), value: try RecordCoder.encode(outcomes)),
                .put(key: key, value: try RecordCoder.encode(current)),
            ])
            return true
        }
        guard stored else { return true }
        try await auditDone(job, key: key, checkingLog: false)
        if let rate = job.rate {
            // The job's next chunk waits so that it takes at most `rate` data keys a second from the core.
            state.wait(key, until: started + .seconds(Double(items.count) / Double(rate)))
        }
        return true
    }

    /// Writes the audit entries of the chunks done but not yet audited (counted from their stored
    /// results), then notes them audited in the job record.
    private func auditDone(_ job: RewrapJob, key: String, checkingLog: Bool) async throws {
        let core = operations.core
        guard let data = try await core.barrier.get(key) else { return }
        let current = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
        guard current.auditedChunks < current.doneChunks else { return }
        for chunk in current.auditedChunks..<current.doneChunks {
            let outputKey = current.outputKey(chunk: chunk)
            guard let stored = try await core.barrier.get(outputKey) else { throw BarrierError.recordMissing(key: outputKey) }
            let outcomes = try RecordCoder.decode([RewrapJobOutcome].self, from: stored, at: outputKey)
            let rewrapped = outcomes.filter { $0.wrapped != nil }
            let to = rewrapped.compactMap { $0.wrapped.flatMap { try? WrappedKey(parsing: $0).header.keyVersion } }.max()
            let alreadyAudited = checkingLog ? await operations.auditHoldsJobOutcome(current, chunk: chunk) : false
            if !alreadyAudited {
                try await operations.auditJobOutcome(current, chunk: chunk, rewrapped: rewrapped.count, failed: outcomes.count - rewrapped.count, to: to)
            }
            try await core.barrier.transaction {
                guard let data = try await core.barrier.get(key) else { return }
                var latest = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
                latest.audited(through: chunk)
                try await core.barrier.put(key, value: try RecordCoder.encode(latest))
            }
        }
        if current.doneChunks == current.chunks {
            logger.info("rewrap job done", metadata: ["job": "\(current.id)", "rewrapped": "\(current.rewrapped)", "failed": "\(current.failed)"])
        }
    }

    /// Deletes a job and its chunks.
    private func delete(_ job: RewrapJob) async throws {
        let core = operations.core
        let chunks = try await core.barrier.list(prefix: job.dataPrefix)
        try await core.barrier.write(chunks.map { .delete(key: $0) } + [.delete(key: job.storageKey)])
        state.forget(job.storageKey)
    }

    /// Errors that stop the whole chunk (and the job, until they pass) rather than fail one blob.
    static func pauses(_ error: any Error) -> Bool {
        switch error {
        case is BarrierError, is StorageError, is KeystoreError, is AuditLogError, is CancellationError: return true
        case let error as KeyChainError:
            switch error {
            case .tenantLocked, .tenantNotFound, .serviceNotFound, .stateUnconfirmed, .serviceInOtherRegion: return true
            default: return false
            }
        default: return false
        }
    }
}

/// What the runner remembers between passes: why each paused job paused (so the same reason is
/// logged once), and when each rate-limited job may run its next chunk.
final class RunnerState: Sendable {
    private let reasons = Mutex<[String: String]>([:])
    private let waits = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Records `reason` for `job`; true when it differs from the last one recorded.
    func paused(_ job: String, because reason: String) -> Bool {
        reasons.withLock { reasons in
            defer { reasons[job] = reason }
            return reasons[job] != reason
        }
    }

    func clearPause(_ job: String) { _ = reasons.withLock { $0.removeValue(forKey: job) } }
    func wait(_ job: String, until instant: ContinuousClock.Instant) { waits.withLock { $0[job] = instant } }
    func notBefore(_ job: String) -> ContinuousClock.Instant? { waits.withLock { $0[job] } }

    func forget(_ job: String) {
        _ = reasons.withLock { $0.removeValue(forKey: job) }
        _ = waits.withLock { $0.removeValue(forKey: job) }
    }
}
