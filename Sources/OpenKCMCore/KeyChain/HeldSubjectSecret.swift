import Crypto

/// A subject secret held in memory, with when it was read: a copy older than
/// ``KeyChain/subjectFreshness`` is read again, so a subject destroyed by
/// another process sharing the store stops opening here within that time.
struct HeldSubjectSecret: Sendable {
    let secret: SymmetricKey
    let readAt: ContinuousClock.Instant
}
