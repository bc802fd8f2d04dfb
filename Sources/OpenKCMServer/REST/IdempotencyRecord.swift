import Foundation

/// What the server keeps of a change sent with an `Idempotency-Key`: which
/// request it was (a digest of method, path and body), whether it is still
/// running, and its answer, so the same request sent again (a client that
/// lost the answer, moving to another replica) gets that answer instead of
/// running twice. Sealed in the barrier at `idempotency/<digest of identity and key>`.
struct IdempotencyRecord: Codable, Sendable {
    enum State: String, Codable, Sendable {
        /// Taken before the change runs: another sending of it waits or is told so.
        case running
        case done
        /// It failed after it started (a 5xx once the operation ran): it may have been applied.
        case unknown
    }

    var request: String
    var state: State
    var createdAt: Date
    var status: Int?
    /// The answer's body, unless it carried a secret (a token, a key): then only its status is kept.
    var body: Data?
    var contentType: String?
}
