public import Foundation
public import OpenKCMCore
import HTTPTypes

extension Operations {
    /// Stores a job rewrapping `items` (an application's stored data keys)
    /// under the service's current L3 version, run in the background by
    /// ``RewrapJobRunner``. Execution: the service's crypto identity. Closing
    /// the old version afterwards is the operator's (``closeServiceKey(_:tenant:version:caller:)``),
    /// once every job holding its data keys is done.
    /// - Parameter rate: data keys per second at most, to spare the core (nil: as fast as it goes).
    public func startRewrapJob(
        _ items: [RewrapJobItem], tenant: TenantID, service: ServiceID, rate: Int? = nil, caller: Caller
    ) async throws -> RewrapJob {
        try await perform(.rewrapJobStart, caller: caller, tenant: tenant, service: service, key: "\(items.count) data keys", sync: true) { unsealed in
            guard (1...RewrapJob.maximumItems).contains(items.count) else {
                throw ProblemDetails(status: .badRequest, code: "rewrap_job.invalid_items",
                                     detail: "a rewrap job takes 1 to \(RewrapJob.maximumItems) data keys, got \(items.count)")
            }
            if let rate, rate < 1 {
                throw ProblemDetails(status: .badRequest, code: "rewrap_job.invalid_rate", detail: "rate is data keys per second, at least 1")
            }
            _ = try await unsealed.keyChain.serviceKeyRing(service, tenant: tenant)
            var job = RewrapJob(id: RandomUUID.make(), tenant: tenant, service: service, createdAt: core.now(),
                                createdBy: caller.identity?.id ?? "anonymous", items: items.count)
            job.rate = rate
            // The input first, in writes of bounded size (deleted with the tenant or service if the job record never follows).
            var mutations: [StorageMutation] = []
            for chunk in 0..<job.chunks {
                mutations.append(.put(key: job.inputKey(chunk: chunk), value: try RecordCoder.encode(Array(items[job.itemRange(ofChunk: chunk)]))))
                if mutations.count == 32 {
                    try await core.barrier.write(mutations)
                    mutations = []
                }
            }
            if !mutations.isEmpty { try await core.barrier.write(mutations) }
            // The record last, in a transaction that reads the service: a tenant or service destroyed meanwhile
            // makes it fail instead of leaving a job in a shredded scope.
            let record = try RecordCoder.encode(job)
            let barrier = core.barrier
            try await barrier.transaction {
                guard try await barrier.get("tenants/\(tenant.rawValue)") != nil, try await barrier.get("services/\(tenant.rawValue)/\(service.rawValue)") != nil
                else { throw KeyChainError.serviceNotFound(tenant, service) }
                try await barrier.put(job.storageKey, value: record)
            }
            return job
        }
    }

    /// The service's rewrap jobs, newest first.
    public func rewrapJobs(tenant: TenantID, service: ServiceID, caller: Caller) async throws -> [RewrapJob] {
        try await perform(.rewrapJobRead, caller: caller, tenant: tenant, service: service) { _ in
            var jobs: [RewrapJob] = []
            for key in try await core.barrier.list(prefix: RewrapJob.storagePrefix(tenant, service)) {
                guard let data = try await core.barrier.get(key) else { continue }
                jobs.append(try RecordCoder.decode(RewrapJob.self, from: data, at: key))
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
        try await perform(.rewrapJobOutput, caller: caller, tenant: tenant, service: service, key: "job \(id) chunk \(chunk)") { _ in
            let job = try await Self.readJob(core, id: id, tenant: tenant, service: service)
            guard (0..<job.doneChunks).contains(chunk) else {
                throw ProblemDetails(status: .notFound, code: "rewrap_job.chunk_not_ready",
                                     detail: "job \(id) has \(job.doneChunks) of \(job.chunks) chunks done; chunk \(chunk) is not one of them")
            }
            let key = job.outputKey(chunk: chunk)
            guard let data = try await core.barrier.get(key) else { throw BarrierError.recordMissing(key: key) }
            return try RecordCoder.decode([RewrapJobOutcome].self, from: data, at: key)
        }
    }

    static func readJob(_ core: ServerCore, id: String, tenant: TenantID, service: ServiceID) async throws -> RewrapJob {
        // Ids are UUIDs: anything else names no job (and no other record).
        guard UUID(uuidString: id) != nil, let data = try await core.barrier.get(RewrapJob.storageKey(tenant, service, id)) else {
            throw ProblemDetails(status: .notFound, code: "rewrap_job.not_found", detail: "no rewrap job \(id) for \(tenant)/\(service)")
        }
        return try RecordCoder.decode(RewrapJob.self, from: data, at: RewrapJob.storageKey(tenant, service, id))
    }
}

/// The audit entries a rewrap job writes as it runs: in its creator's name, with its id as correlation id.
extension Operations {
    /// Announces a chunk before it runs (fsynced): a chunk the audit log cannot take never runs.
    func recordJobEvent(_ job: RewrapJob, outcome: AuditOutcome, key: String) async throws {
        var entry = jobEntry(job, key: key, error: nil)
        entry.outcome = outcome
        try await core.auditLog.append(entry, sync: true)
    }

    /// A chunk's outcome: one entry counting the blobs rewrapped, one counting those that failed.
    func auditJobOutcome(_ job: RewrapJob, chunk: Int, rewrapped: Int, failed: Int, to version: UInt32?) async throws {
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
        try await core.auditLog.append(contentsOf: entries, sync: true)
    }

    /// Whether one of this node's last `window` audit entries is a job chunk's counted outcome with `key`
    /// (after a restart between writing it and noting it written).
    func auditHoldsJobOutcome(_ job: RewrapJob, chunk: Int, window: UInt64 = 10_000) async -> Bool {
        guard let head = core.auditLog.durableSequence else { return false }
        let prefix = "job \(job.id) chunk \(chunk + 1)/\(job.chunks): "
        let entries = await core.auditLog.entries(from: head > window ? head - window : 1, limit: Int(window) + 1)
        return entries.contains { $0.correlationID == job.id && $0.outcome != .attempted && ($0.key ?? "").hasPrefix(prefix) }
    }

    private func jobEntry(_ job: RewrapJob, key: String, error: (any Error)?) -> AuditEntry {
        var entry = auditEntry(OperationKind.dataKeyRewrap.rawValue, caller: Caller(identity: nil, correlationID: job.id),
                               tenant: job.tenant, service: job.service, key: "job \(job.id) \(key)", error: error)
        entry.identity = job.createdBy
        return entry
    }
}
