public import Foundation

/// How far moving the records to the barrier key's active term has come.
public struct BarrierReencryptionProgress: Sendable, Codable, Equatable {
    /// The term records are moved to.
    public var term: UInt32
    /// Records to look at, and looked at so far (a second pass, for records
    /// written under an older term meanwhile, adds to both).
    public var total: Int
    public var done: Int
    /// Records that were under an older term and were rewritten.
    public var rewritten: Int
    public var startedAt: Date
    public var finishedAt: Date?
    /// Why it stopped before the end (sealed, a store error); it starts again at the next unseal or rotation.
    public var failure: String?

    public var percent: Double { total == 0 ? 100 : (Double(done) * 1000 / Double(total)).rounded() / 10 }

    /// Records looked at per second, from the start to the end (or to `now`).
    public func rate(at now: Date) -> Double {
        let seconds = (finishedAt ?? now).timeIntervalSince(startedAt)
        return seconds > 0 ? (Double(done) / seconds).rounded() : Double(done)
    }
}
