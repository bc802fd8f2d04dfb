public import Foundation

/// A background job that rewraps a set of stored data keys (L4 blobs an
/// application keeps beside its data) under its service's current L3
/// version: what an application runs after an L3 version is compromised or
/// retired, so the old version can be closed.
///
/// The blobs are stored with the job in chunks of ``chunkSize``; each chunk
/// is rewrapped and its results stored in the same atomic write that counts
/// it done in this record. A server killed mid-job resumes at the first
/// chunk not counted: no blob is rewrapped into the results twice, none is
/// lost. Everything lives in the tenant's scope of the store, so destroying
/// the tenant removes its jobs too.
public struct RewrapJob: Sendable, Hashable, Codable {
    /// Blobs per stored chunk (one atomic write each).
    public static let chunkSize = 1000
    /// Most blobs one job takes.
    public static let maximumItems = 100_000

    public let id: String
    public let tenant: TenantID
    public let service: ServiceID
    public let createdAt: Date
    /// The identity that started it.
    public let createdBy: String
    public let items: Int
    public let chunks: Int
    /// Chunks 0..<doneChunks are rewrapped and their results stored.
    public internal(set) var doneChunks: Int = 0
    public internal(set) var rewrapped: Int = 0
    /// Blobs that could not be rewrapped (not this service's, bound to another context, under a closed version): their result names why.
    public internal(set) var failed: Int = 0
    /// How many rewrapped blobs each L3 version held before, by version.
    public internal(set) var fromVersions: [String: Int] = [:]
    /// The version the blobs are rewrapped under (the newest, if it changed during the job).
    public internal(set) var toVersion: UInt32?
    public internal(set) var startedAt: Date?
    public internal(set) var finishedAt: Date?
    /// Chunks whose outcome is in the audit log (a restart writes those done but not yet audited).
    public internal(set) var auditedChunks: Int = 0
    /// Blobs per second at most (nil: as fast as the core goes).
    public var rate: Int?

    public init(id: String, tenant: TenantID, service: ServiceID, createdAt: Date, createdBy: String, items: Int) {
        self.id = id
        self.tenant = tenant
        self.service = service
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.items = items
        self.chunks = (items + Self.chunkSize - 1) / Self.chunkSize
    }

    /// Done once every chunk is stored and its outcome is in the audit log.
    public var state: RewrapJobState { finishedAt != nil && auditedChunks >= chunks ? .done : doneChunks > 0 ? .running : .queued }

    /// Blobs handled so far (rewrapped or failed).
    public var processed: Int { rewrapped + failed }

    /// 0 to 100.
    public var percent: Double { items == 0 ? 100 : Double(processed) * 100 / Double(items) }

    /// The range of item indices chunk `index` holds.
    public func itemRange(ofChunk index: Int) -> Range<Int> {
        (index * Self.chunkSize)..<min((index + 1) * Self.chunkSize, items)
    }

    /// Counts chunk `doneChunks` done with `outcomes`, rewrapped under `version`.
    public mutating func record(_ outcomes: [RewrapJobOutcome], under version: UInt32?, at date: Date) {
        if startedAt == nil { startedAt = date }
        for outcome in outcomes {
            if let from = outcome.fromVersion, outcome.wrapped != nil {
                rewrapped += 1
                fromVersions[String(from), default: 0] += 1
            } else {
                failed += 1
                if let from = outcome.fromVersion { failuresByVersion[String(from), default: 0] += 1 }
            }
        }
        if let version { toVersion = max(toVersion ?? 0, version) }
        doneChunks += 1
        if doneChunks == chunks { finishedAt = date }
    }

    /// Records that chunk `chunk`'s outcome is in the audit log.
    public mutating func audited(through chunk: Int) {
        auditedChunks = max(auditedChunks, chunk + 1)
    }

    /// How many of the failed blobs were under `version` (a blob that could not be parsed names none).
    public var failuresByVersion: [String: Int] = [:]

    // MARK: Storage

    /// Job records: `rewrap-jobs/<tenant>/<service>/<id>`; their chunks apart, under
    /// `rewrap-job-data/<tenant>/<service>/<id>/{in,out}/<chunk>`, so listing jobs reads no chunk.
    package static let storageRoot = "rewrap-jobs/"
    package static func storagePrefix(_ tenant: TenantID) -> String { storageRoot + "\(tenant.rawValue)/" }
    package static func storagePrefix(_ tenant: TenantID, _ service: ServiceID) -> String { storagePrefix(tenant) + "\(service.rawValue)/" }
    package static func dataPrefix(_ tenant: TenantID) -> String { "rewrap-job-data/\(tenant.rawValue)/" }
    package static func dataPrefix(_ tenant: TenantID, _ service: ServiceID) -> String { dataPrefix(tenant) + "\(service.rawValue)/" }
    package static func storageKey(_ tenant: TenantID, _ service: ServiceID, _ id: String) -> String { storagePrefix(tenant, service) + id }
    package static func inputKey(_ tenant: TenantID, _ service: ServiceID, _ id: String, chunk: Int) -> String {
        dataPrefix(tenant, service) + id + "/in/" + chunkName(chunk)
    }
    package static func outputKey(_ tenant: TenantID, _ service: ServiceID, _ id: String, chunk: Int) -> String {
        dataPrefix(tenant, service) + id + "/out/" + chunkName(chunk)
    }
    static func chunkName(_ chunk: Int) -> String {
        let digits = String(chunk)
        return String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    package var storageKey: String { Self.storageKey(tenant, service, id) }
    package func inputKey(chunk: Int) -> String { Self.inputKey(tenant, service, id, chunk: chunk) }
    package func outputKey(chunk: Int) -> String { Self.outputKey(tenant, service, id, chunk: chunk) }
    /// This job's chunks.
    package var dataPrefix: String { Self.dataPrefix(tenant, service) + id + "/" }
}
