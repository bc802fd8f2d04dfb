public import Foundation

/// One audited operation, allowed or refused. Holds ids and outcomes only:
/// never key material, tokens or request bodies.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// 1 for the first entry of a log, then +1 per entry.
    public var sequence: UInt64
    public var time: Date
    /// Taken from the request's `X-Correlation-ID`, or made for it.
    public var correlationID: String
    /// The caller's identity id (never its token), or `anonymous`.
    public var identity: String
    /// What was asked, e.g. `tenant.create`, `datakey.unwrap`.
    public var operation: String
    public var tenant: String?
    public var service: String?
    /// A key id and version, where one applies.
    public var key: String?
    public var outcome: AuditOutcome
    /// The stable error code of a refusal or failure.
    public var errorCode: String?
    /// How many items of one batch request this entry stands for, when more
    /// than one: a batch's items that ended alike (same operation, scope,
    /// outcome and error) share one entry. Absent for a single operation.
    public var count: UInt64?
    /// The node that wrote the entry, among replicas sharing a store (each
    /// keeps its own chain); absent on a node with a store of its own.
    public var node: String?
    /// Hex SHA-256 of the previous entry's canonical bytes and MAC; 64 zeros for the first.
    public var previousHash: String
    /// Hex HMAC-SHA256 of this entry's canonical bytes under the audit key.
    public var mac: String

    public init(
        sequence: UInt64 = 0, time: Date, correlationID: String, identity: String, operation: String,
        tenant: String? = nil, service: String? = nil, key: String? = nil,
        outcome: AuditOutcome, errorCode: String? = nil, count: UInt64? = nil
    ) {
        self.sequence = sequence
        self.time = time
        self.correlationID = correlationID
        self.identity = identity
        self.operation = operation
        self.tenant = tenant
        self.service = service
        self.key = key
        self.outcome = outcome
        self.errorCode = errorCode
        self.count = count
        self.previousHash = ""
        self.mac = ""
    }

    /// The bytes the MAC and the chain hash cover: every field but the MAC,
    /// each length-prefixed, so no two entries share an encoding. An entry
    /// with a ``node`` is "v3" and ends with its count (or its absence) and
    /// the node; one with a ``count`` but no node is "v2" and ends with the
    /// count; every other entry keeps the v1 bytes, so logs written before
    /// counts or nodes existed still verify.
    package var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes += (node != nil ? "OpenKCM audit v3" : count == nil ? "OpenKCM audit v1" : "OpenKCM audit v2").utf8
        func field(_ text: String?) {
            guard let text else {
                bytes.appendUInt32(UInt32.max)
                return
            }
            bytes.appendUInt32(UInt32(text.utf8.count))
            bytes.append(contentsOf: text.utf8)
        }
        bytes.appendUInt32(UInt32(truncatingIfNeeded: sequence >> 32))
        bytes.appendUInt32(UInt32(truncatingIfNeeded: sequence))
        // Milliseconds: what survives the ISO 8601 round trip of the stored form.
        let millis = Int64((time.timeIntervalSince1970 * 1000).rounded())
        bytes.appendUInt32(UInt32(truncatingIfNeeded: UInt64(bitPattern: millis) >> 32))
        bytes.appendUInt32(UInt32(truncatingIfNeeded: UInt64(bitPattern: millis)))
        field(correlationID)
        field(identity)
        field(operation)
        field(tenant)
        field(service)
        field(key)
        field(outcome.rawValue)
        field(errorCode)
        field(previousHash)
        if let node {
            field(count.map { String($0) })
            field(node)
        } else if let count {
            bytes.appendUInt32(UInt32(truncatingIfNeeded: count >> 32))
            bytes.appendUInt32(UInt32(truncatingIfNeeded: count))
        }
        return bytes
    }
}

/// How an audited operation ended.
public enum AuditOutcome: String, Sendable, Hashable, Codable {
    /// A key-state change is about to run: written and fsynced before it does,
    /// so no change can happen without a trace. Its result follows in another entry.
    case attempted
    /// Done and answered.
    case success
    /// Refused: authentication, authorisation, validation, sealed, locked tenant.
    case refused
    /// Tried and failed: storage, keystore or crypto error.
    case failed
}
