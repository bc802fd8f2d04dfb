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
    /// Set by a batch request: entries are collected here and written
    /// together, once, before the batch is answered.
    public var auditBatch: AuditBatch?

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

    /// Takes every entry collected so far.
    public func drain() -> [AuditEntry] {
        entries.withLock { entries in
            defer { entries = [] }
            return entries
        }
    }
}
