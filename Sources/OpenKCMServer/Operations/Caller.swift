public import OpenKCMCore
import Synchronization

/// Who asks for an operation, as the transport (REST bearer token, later KMIP
/// client certificate) established it.
public struct Caller: Sendable {
    /// Nil when the caller presented no valid credential.
    public var identity: Identity?
    /// From `X-Correlation-ID`, or made for the request; in every audit entry.
    public var correlationID: String
    /// Set once an audit entry was written for this request, so the transport
    /// audits a refusal only when no operation did.
    public let audited = AuditedFlag()
    /// Set when an operation admitted the caller and started to run: from
    /// then on a failure may come after a change was made (an audit entry
    /// that could not be written, a commit whose answer was lost).
    public let started = AuditedFlag()
    /// Set by a batch request: entries are collected here and written
    /// together, once, before the batch is answered.
    public var auditBatch: AuditBatch?
    /// Set when a credential came while the node was sealed, so it could not
    /// be checked: an operation then answers "sealed", never "unauthenticated".
    public var credentialUnchecked = false
    /// Set when the identity provider's token was refused: an operation then
    /// answers (and audits) the reason, not a bare "unauthenticated".
    public var tokenRefusal: TokenRefusal?
    /// Set when the call runs an approved request (four-eyes): its id. The act then runs without asking again.
    public var approval: String?
    /// Set when a regional core applies the governance plane's change: approved there (four-eyes), not asked here.
    public var governed = false

    /// What an operation that needs an identity throws when there is none.
    public var missingIdentity: any Error {
        if credentialUnchecked { return BarrierError.sealed }
        if let tokenRefusal { return AccessError.tokenRefused(tokenRefusal) }
        return AccessError.unauthenticated
    }

    public init(identity: Identity?, correlationID: String) {
        self.identity = identity
        self.correlationID = correlationID
    }
}

/// Shared by every copy of one request's ``Caller``.
public final class AuditedFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { value.load(ordering: .acquiring) }

    func set() { value.store(true, ordering: .releasing) }
}

/// Audit entries of one batch request, written with a single append.
public final class AuditBatch: Sendable {
    private let entries = Mutex<[AuditEntry]>([])

    public init() {}

    func add(_ entry: AuditEntry) {
        entries.withLock { $0.append(entry) }
    }

    var count: Int { entries.withLock { $0.count } }

    /// Takes every entry collected so far, each run of items that ended
    /// alike as one entry with their ``AuditEntry/count`` and the last one's
    /// time. Such items differ in nothing the log records but the time, so a
    /// thousand-item batch writes one line instead of a thousand copies.
    public func drain() -> [AuditEntry] {
        let taken = entries.withLock { entries in
            defer { entries = [] }
            return entries
        }
        var merged: [AuditEntry] = []
        merged.reserveCapacity(taken.isEmpty ? 0 : 1)
        for entry in taken {
            if let last = merged.last, Self.endedAlike(last, entry) {
                merged[merged.count - 1].count = (last.count ?? 1) + (entry.count ?? 1)
                merged[merged.count - 1].time = entry.time
            } else {
                merged.append(entry)
            }
        }
        return merged
    }

    private static func endedAlike(_ a: AuditEntry, _ b: AuditEntry) -> Bool {
        a.correlationID == b.correlationID && a.identity == b.identity && a.operation == b.operation
            && a.tenant == b.tenant && a.service == b.service && a.key == b.key
            && a.outcome == b.outcome && a.errorCode == b.errorCode
    }
}
