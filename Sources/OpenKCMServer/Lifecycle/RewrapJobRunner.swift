import Foundation
import Synchronization
public import Logging
public import OpenKCMCore
public import ServiceLifecycle

/// Runs the stored rewrap jobs (``RewrapJob``) in the background, chunk by
/// chunk, on one node of those sharing a store.
///
/// Each chunk's blobs are rewrapped, then its results are stored and the job
/// counts it done in one atomic write, conditioned on the job record being
/// as read: a server killed mid-chunk stores nothing of that chunk and does
/// it again after its restart, and two nodes never both store one. A chunk
/// meets a locked tenant, a sealed server or a store failure: the job pauses
/// (nothing recorded) and goes on when they pass; a blob that cannot be
/// rewrapped (foreign, another context, revoked, under a closed version) is
/// a failure in its place in the output, and the job goes on. Each chunk is
/// audited in the job creator's name with the job id as correlation id:
/// announced before it runs, then its outcome, counted.
public struct RewrapJobRunner: Service {
    let operations: Operations
    let interval: Duration
    let leadership: (any StorageLeadership)?
    let logger: Logger
    /// Why each paused job paused, as last logged: a job paused by a kill switch logs once, not every pass.
    private let pausedReasons = PausedReasons()

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

    /// Runs every unfinished job until it ends or pauses.
    public func runPending() async {
        guard let unsealed = try? operations.core.unsealed(), unsealed.keyChain.regionGateReason == nil,
              let keys = try? await operations.core.barrier.list(prefix: RewrapJob.storageRoot)
        else { return }
        for key in keys where RewrapJob.isJobRecord(key) {
            while !Task.isCancelled {
                do {
                    guard try await step(key, keyChain: unsealed.keyChain) else { break }
                } catch {
                    if pausedReasons.changed(key, to: "\(error)") {
                        logger.warning("rewrap job paused; it goes on when this passes", metadata: ["job": "\(key)", "error": "\(error)"])
                    }
                    break
                }
            }
        }
    }

    /// Does the job's next chunk; false once the job is done.
    @discardableResult
    func step(_ key: String, keyChain: KeyChain) async throws -> Bool {
        let core = operations.core
        guard let data = try await core.barrier.get(key) else { return false }
        let job = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
        guard job.finishedAt == nil else { return false }
        let chunk = job.doneChunks
        let started = ContinuousClock.now
        let inputKey = RewrapJob.inputKey(job.tenant, job.id, chunk: chunk)
        guard let input = try await core.barrier.get(inputKey) else { throw BarrierError.recordMissing(key: inputKey) }
        let items = try RecordCoder.decode([RewrapJobItem].self, from: input, at: inputKey)
        try await operations.recordJobEvent(job, chunk: chunk, outcome: .attempted, key: "chunk \(chunk + 1)/\(job.chunks): \(items.count) data keys")

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
                let to = try WrappedKey(parsing: rewrapped).header.keyVersion
                newest = max(newest ?? 0, to)
                outcomes.append(RewrapJobOutcome(wrapped: rewrapped, fromVersion: from))
            } catch let error where Self.pauses(error) {
                throw error
            } catch {
                outcomes.append(RewrapJobOutcome(fromVersion: from, error: (error as? any OpenKCMError)?.code ?? (error as? ProblemDetails)?.code ?? "internal"))
            }
        }

        // Stored only if no one stored this chunk meanwhile (another node, or this one before a restart).
        let updated: RewrapJob? = try await core.barrier.transaction {
            guard let data = try await core.barrier.get(key) else { return nil }
            var current = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
            guard current.doneChunks == chunk, current.finishedAt == nil else { return nil }
            current.record(outcomes, under: newest, at: core.now())
            try await core.barrier.write([
                .put(key: RewrapJob.outputKey(job.tenant, job.id, chunk: chunk), value: try RecordCoder.encode(outcomes)),
                .put(key: key, value: try RecordCoder.encode(current)),
            ])
            return current
        }
        guard var updated else { return true }
        let rewrapped = outcomes.filter { $0.wrapped != nil }.count
        await operations.auditJobOutcome(updated, chunk: chunk, rewrapped: rewrapped, failed: outcomes.count - rewrapped, to: newest)
        if updated.finishedAt != nil {
            try await finish(&updated, key: key, keyChain: keyChain)
            logger.info("rewrap job done", metadata: ["job": "\(updated.id)", "rewrapped": "\(updated.rewrapped)", "failed": "\(updated.failed)"])
            return false
        }
        if let rate = updated.rate {
            // Spread the job's work so it takes at most `rate` blobs a second from the core.
            let budget = Duration.seconds(Double(items.count) / Double(rate))
            let spent = ContinuousClock.now - started
            if budget > spent { try? await Task.sleep(for: budget - spent) }
        }
        return true
    }

    /// At the end: the version the job was to close is closed when none of its blobs failed.
    private func finish(_ job: inout RewrapJob, key: String, keyChain: KeyChain) async throws {
        guard let version = job.closeVersion else { return }
        let clean = (job.failuresByVersion[String(version)] ?? 0) == 0
        if clean {
            do {
                try await operations.closeServiceKeyForJob(job, version: version)
            } catch {
                logger.warning("rewrap job could not close its version", metadata: ["job": "\(job.id)", "error": "\(error)"])
                return
            }
        }
        let closed = clean
        let core = operations.core
        try await core.barrier.transaction {
            guard let data = try await core.barrier.get(key) else { return }
            var current = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
            current.finish(closed: closed)
            try await core.barrier.put(key, value: try RecordCoder.encode(current))
        }
        job.finish(closed: closed)
    }

    /// Errors that stop the whole chunk (and the job, until they pass) rather than fail one blob.
    static func pauses(_ error: any Error) -> Bool {
        switch error {
        case is BarrierError, is StorageError, is KeystoreError, is AuditLogError, is CancellationError: return true
        case let error as KeyChainError:
            if case .tenantLocked = error { return true }
            if case .tenantNotFound = error { return true }
            if case .serviceNotFound = error { return true }
            if case .stateUnconfirmed = error { return true }
            if case .serviceInOtherRegion = error { return true }
            return false
        default: return false
        }
    }
}

/// The reason each job last paused for, so the same reason is logged once.
final class PausedReasons: Sendable {
    private let reasons = Mutex<[String: String]>([:])

    /// Records `reason` for `job`; true when it differs from the last one recorded.
    func changed(_ job: String, to reason: String) -> Bool {
        reasons.withLock { reasons in
            defer { reasons[job] = reason }
            return reasons[job] != reason
        }
    }
}
