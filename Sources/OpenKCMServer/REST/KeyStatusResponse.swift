import Foundation
import OpenKCMCore

/// `GET /v1/sys/key-status`: the barrier key's terms and the re-encryption's progress.
struct KeyStatusResponse: Encodable {
    var activeTerm: UInt32
    var terms: Int
    var installedAt: Date?
    var reencryptedAt: Date?
    var reencryption: Reencryption?

    struct Reencryption: Encodable {
        var term: UInt32
        var total: Int
        var done: Int
        var rewritten: Int
        var percent: Double
        var recordsPerSecond: Double
        var startedAt: Date
        var finishedAt: Date?
        var failure: String?
    }

    init(_ status: BarrierKeyStatus, _ progress: BarrierReencryptionProgress?, now: Date) {
        activeTerm = status.activeTerm
        terms = status.terms
        installedAt = status.installedAt
        reencryptedAt = status.reencryptedAt
        reencryption = progress.map {
            Reencryption(term: $0.term, total: $0.total, done: $0.done, rewritten: $0.rewritten, percent: $0.percent,
                         recordsPerSecond: $0.rate(at: now), startedAt: $0.startedAt, finishedAt: $0.finishedAt, failure: $0.failure)
        }
    }
}
