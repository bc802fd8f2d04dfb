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
    /// A Compromised L3 version to close when the job ends with none of its blobs failed.
    public let closeVersion: UInt32?
    /// Whether ``closeVersion`` was closed at the end (nil before the end or without one).
    public internal(set) var closed: Bool?
    /// Blobs per second at most (nil: as fast as the core goes).
    public var rate: Int?

    public init(id: String, tenant: TenantID, service: ServiceID, createdAt: Date, createdBy: String, items: Int, closeVersion: UInt32? = nil) {
        self.id = id
        self.tenant = tenant
        self.service = service
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.items = items
        self.chunks = (items + Self.chunkSize - 1) / Self.chunkSize
        self.closeVersion = closeVersion
    }

    public var state: RewrapJobState { finishedAt != nil ? .done : doneChunks > 0 ? .running : .queued }

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

    /// Records whether ``closeVersion`` was closed at the end.
    public mutating func finish(closed: Bool) {
        self.closed = closed
    }

    /// How many of the failed blobs were under `version` (a blob that could not be parsed names none).
    public var failuresByVersion: [String: Int] = [:]

    // MARK: Storage

    package static func storagePrefix(_ tenant: TenantID) -> String { "rewrap-jobs/\(tenant.rawValue)/" }
    package static let storageRoot = "rewrap-jobs/"
    package static func storageKey(_ tenant: TenantID, _ id: String) -> String { storagePrefix(tenant) + id }
    package static func inputKey(_ tenant: TenantID, _ id: String, chunk: Int) -> String { storageKey(tenant, id) + "/in/" + chunkName(chunk) }
    package static func outputKey(_ tenant: TenantID, _ id: String, chunk: Int) -> String { storageKey(tenant, id) + "/out/" + chunkName(chunk) }
    static func chunkName(_ chunk: Int) -> String {
        let digits = String(chunk)
        return String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    /// Whether a storage key under ``storageRoot`` is a job record (not one of its chunks).
    package static func isJobRecord(_ key: String) -> Bool {
        key.hasPrefix(storageRoot) && key.split(separator: "/", omittingEmptySubsequences: false).count == 3
    }
}
