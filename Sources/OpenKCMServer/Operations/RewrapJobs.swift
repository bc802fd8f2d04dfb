public import Foundation
public import OpenKCMCore
import HTTPTypes

extension Operations {
    /// Stores a job rewrapping `items` (an application's stored data keys)
    /// under the service's current L3 version, run in the background by
    /// ``RewrapJobRunner``. Execution: the service's crypto identity.
    /// - Parameters:
    ///   - closeVersion: a compromised L3 version to close when the job ends with none of its blobs failed.
    ///   - rate: blobs per second at most, to spare the core (nil: as fast as it goes).
    public func startRewrapJob(
        _ items: [RewrapJobItem], tenant: TenantID, service: ServiceID, closeVersion: UInt32? = nil, rate: Int? = nil, caller: Caller
    ) async throws -> RewrapJob {
        try await perform(.rewrapJobStart, caller: caller, tenant: tenant, service: service, key: "\(items.count) data keys", sync: true) { unsealed in
            guard (1...RewrapJob.maximumItems).contains(items.count) else {
                throw ProblemDetails(status: .badRequest, code: "rewrap_job.invalid_items",
                                     detail: "a rewrap job takes 1 to \(RewrapJob.maximumItems) data keys, got \(items.count)")
            }
            if let rate, rate < 1 {
                throw ProblemDetails(status: .badRequest, code: "rewrap_job.invalid_rate", detail: "rate is blobs per second, at least 1")
            }
            let ring = try await unsealed.keyChain.serviceKeyRing(service, tenant: tenant)
            if let closeVersion {
                guard let entry = ring.serviceKeys.version(closeVersion) else { throw KeyChainError.versionNotFound(layer: .l3, version: closeVersion) }
                guard entry.state == .compromised else {
                    throw ProblemDetails(status: .conflict, code: "rewrap_job.version_not_compromised",
                                         detail: "L3 v\(closeVersion) is \(entry.state): only a compromised version is closed by a job")
                }
            }
            let identity = caller.identity?.id ?? "anonymous"
            var job = RewrapJob(id: RandomUUID.make(), tenant: tenant, service: service, createdAt: core.now(), createdBy: identity,
                                items: items.count, closeVersion: closeVersion)
            job.rate = rate
            // The input first, in writes of bounded size; the job record last: a job exists only once all its input does.
            var mutations: [StorageMutation] = []
            for chunk in 0..<job.chunks {
                let slice = Array(items[job.itemRange(ofChunk: chunk)])
                mutations.append(.put(key: RewrapJob.inputKey(tenant, job.id, chunk: chunk), value: try RecordCoder.encode(slice)))
                if mutations.count == 32 {
                    try await core.barrier.write(mutations)
                    mutations = []
                }
            }
            mutations.append(.put(key: RewrapJob.storageKey(tenant, job.id), value: try RecordCoder.encode(job)))
            try await core.barrier.write(mutations)
            return job
        }
    }

    /// The service's rewrap jobs, newest first.
    public func rewrapJobs(tenant: TenantID, service: ServiceID, caller: Caller) async throws -> [RewrapJob] {
        try await perform(.rewrapJobRead, caller: caller, tenant: tenant, service: service) { _ in
            var jobs: [RewrapJob] = []
            for key in try await core.barrier.list(prefix: RewrapJob.storagePrefix(tenant)) where RewrapJob.isJobRecord(key) {
                guard let data = try await core.barrier.get(key) else { continue }
                let job = try RecordCoder.decode(RewrapJob.self, from: data, at: key)
                if job.service == service { jobs.append(job) }
            }
            return jobs.sorted { $0.createdAt > $1.createdAt }
        }
    }

    /// One rewrap job.
    public func rewrapJob(_ id: String, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> RewrapJob {
        try await perform(.rewrapJobRead, caller: caller, tenant: tenant, service: service, key: "job \(id)") { _ in
            try await Self.readJob(core, id: id, tenant: tenant, service: service)
        }
    }

    /// The outcomes of one done chunk, in input order: item `chunk * RewrapJob.chunkSize + i` is entry `i`.
    public func rewrapJobOutput(_ id: String, chunk: Int, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> [RewrapJobOutcome] {
        try await perform(.rewrapJobRead, caller: caller, tenant: tenant, service: service, key: "job \(id) chunk \(chunk)") { _ in
            let job = try await Self.readJob(core, id: id, tenant: tenant, service: service)
            guard (0..<job.doneChunks).contains(chunk) else {
                throw ProblemDetails(status: .notFound, code: "rewrap_job.chunk_not_ready",
                                     detail: "job \(id) has \(job.doneChunks) of \(job.chunks) chunks done; chunk \(chunk) is not one of them")
            }
            let key = RewrapJob.outputKey(tenant, id, chunk: chunk)
            guard let data = try await core.barrier.get(key) else { throw BarrierError.recordMissing(key: key) }
            return try RecordCoder.decode([RewrapJobOutcome].self, from: data, at: key)
        }
    }

    static func readJob(_ core: ServerCore, id: String, tenant: TenantID, service: ServiceID) async throws -> RewrapJob {
        // Ids are UUIDs: anything else names no job (and no other record).
        guard UUID(uuidString: id) != nil, let data = try await core.barrier.get(RewrapJob.storageKey(tenant, id)) else {
            throw ProblemDetails(status: .notFound, code: "rewrap_job.not_found", detail: "no rewrap job \(id) for \(tenant)/\(service)")
        }
        let job = try RecordCoder.decode(RewrapJob.self, from: data, at: RewrapJob.storageKey(tenant, id))
        guard job.service == service else {
            throw ProblemDetails(status: .notFound, code: "rewrap_job.not_found", detail: "no rewrap job \(id) for \(tenant)/\(service)")
        }
        return job
    }
}

/// The audit entries a rewrap job writes as it runs: in its creator's name, with its id as correlation id.
extension Operations {
    /// Announces a chunk before it runs (fsynced): a chunk the audit log cannot take never runs.
    func recordJobEvent(_ job: RewrapJob, chunk: Int, outcome: AuditOutcome, key: String) async throws {
        var entry = jobEntry(job, key: key, error: nil)
        entry.outcome = outcome
        try await core.auditLog.append(entry, sync: true)
    }

    /// A chunk's outcome: one entry counting the blobs rewrapped, one counting those that failed.
    func auditJobOutcome(_ job: RewrapJob, chunk: Int, rewrapped: Int, failed: Int, to version: UInt32?) async {
        let position = "chunk \(chunk + 1)/\(job.chunks)"
        var entries: [AuditEntry] = []
        if rewrapped > 0 {
            var entry = jobEntry(job, key: "\(position): rewrapped under L3 v\(version ?? 0)", error: nil)
            entry.count = UInt64(rewrapped)
            entries.append(entry)
        }
        if failed > 0 {
            var entry = jobEntry(job, key: "\(position): not rewrapped (see the job's output)", error: nil)
            entry.outcome = .failed
            entry.errorCode = "rewrap_job.items_failed"
            entry.count = UInt64(failed)
            entries.append(entry)
        }
        try? await core.auditLog.append(contentsOf: entries, sync: true)
    }

    /// Closes the compromised version a job was to close, audited as the job's creator.
    func closeServiceKeyForJob(_ job: RewrapJob, version: UInt32) async throws {
        var intent = jobEntry(job, key: "close L3 v\(version): the job rewrapped every blob it held", error: nil)
        intent.operation = OperationKind.serviceKeyClose.rawValue
        intent.outcome = .attempted
        try await core.auditLog.append(intent, sync: true)
        do {
            try await core.unsealed().keyChain.closeServiceKey(job.service, tenant: job.tenant, version: version)
            var done = intent
            done.outcome = .success
            try? await core.auditLog.append(done, sync: true)
        } catch {
            var failed = jobEntry(job, key: "close L3 v\(version)", error: error)
            failed.operation = OperationKind.serviceKeyClose.rawValue
            try? await core.auditLog.append(failed, sync: true)
            throw error
        }
    }

    private func jobEntry(_ job: RewrapJob, key: String, error: (any Error)?) -> AuditEntry {
        var entry = auditEntry(OperationKind.dataKeyRewrap.rawValue, caller: Caller(identity: nil, correlationID: job.id),
                               tenant: job.tenant, service: job.service, key: "job \(job.id) \(key)", error: error)
        entry.identity = job.createdBy
        return entry
    }
}
