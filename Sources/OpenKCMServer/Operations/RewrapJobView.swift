public import Foundation
public import OpenKCMCore

/// A rewrap job as the API shows it: its counts, percent done and rate.
public struct RewrapJobView: Sendable, Encodable {
    public let id: String
    public let tenant: String
    public let service: String
    public let state: RewrapJobState
    public let items: Int
    public let chunks: Int
    public let doneChunks: Int
    public let rewrapped: Int
    public let failed: Int
    /// 0 to 100, one decimal.
    public let percent: Double
    /// Blobs handled per second since the job started (nil before its first chunk).
    public let blobsPerSecond: Int?
    /// How many rewrapped blobs each L3 version held before, by version.
    public let fromVersions: [String: Int]
    public let toVersion: UInt32?
    public let createdBy: String
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    /// Chunks whose outcome is in the audit log.
    public let auditedChunks: Int
    public let rate: Int?

    public init(_ job: RewrapJob, now: Date) {
        id = job.id
        tenant = job.tenant.rawValue
        service = job.service.rawValue
        state = job.state
        items = job.items
        chunks = job.chunks
        doneChunks = job.doneChunks
        rewrapped = job.rewrapped
        failed = job.failed
        percent = (job.percent * 10).rounded(.down) / 10
        if let startedAt = job.startedAt {
            let elapsed = max((job.finishedAt ?? now).timeIntervalSince(startedAt), 0.001)
            blobsPerSecond = Int(Double(job.processed) / elapsed)
        } else {
            blobsPerSecond = nil
        }
        fromVersions = job.fromVersions
        toVersion = job.toVersion
        createdBy = job.createdBy
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        auditedChunks = job.auditedChunks
        rate = job.rate
    }
}
