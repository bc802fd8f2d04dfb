public import Foundation
public import OpenKCMCore
import Synchronization

/// How each tenant's and service's keys were used since this node started:
/// data keys made, wrapped, unwrapped and rewrapped, KMIP operations,
/// refusals by reason, and the last use. Counted from the audit entries as
/// they are written, so every path (REST, batches, the data-key channel,
/// KMIP) counts alike; read by `/metrics` (the busiest ``exportedScopes``,
/// the rest summed as `other`) and by the tenant view.
///
/// Bounded: at most ``maximumScopes`` tenant and service pairs are kept
/// apart (refusals name whatever tenant a caller typed), the rest are summed
/// under `other`; at most ``maximumReasons`` refusal reasons per pair.
public final class UsageRegister: Sendable {
    public static let maximumScopes = 10_000
    public static let maximumReasons = 32
    /// Pairs `/metrics` shows apart; the others are summed under tenant and service `other`.
    public static let exportedScopes = 20

    /// One tenant's and service's counts.
    public struct Counts: Sendable, Codable, Hashable {
        public var generated: UInt64 = 0
        public var wrapped: UInt64 = 0
        public var unwrapped: UInt64 = 0
        public var rewrapped: UInt64 = 0
        public var kmip: UInt64 = 0
        /// Refusals and failures by error code.
        public var refusals: [String: UInt64] = [:]
        public var lastUse: Date?

        /// Every operation counted, refusals included: what ranks the pairs.
        public var total: UInt64 { generated + wrapped + unwrapped + rewrapped + kmip + refusals.values.reduce(0, +) }

        mutating func add(_ other: Counts) {
            generated += other.generated
            wrapped += other.wrapped
            unwrapped += other.unwrapped
            rewrapped += other.rewrapped
            kmip += other.kmip
            for (reason, count) in other.refusals { refusals[reason, default: 0] += count }
            if let last = other.lastUse { lastUse = max(lastUse ?? last, last) }
        }
    }

    /// A tenant and service, as the audit entry names them.
    public struct Scope: Sendable, Hashable {
        public let tenant: String
        public let service: String
    }

    static let other = Scope(tenant: "other", service: "other")
    private let counts = Mutex<[Scope: Counts]>([:])

    public init() {}

    /// Counts written audit entries of the execution plane (their `count`, for a batch's alike items).
    func record(_ entries: some Sequence<AuditEntry>) {
        counts.withLock { counts in
            for entry in entries { Self.count(entry, into: &counts) }
        }
    }

    private static func count(_ entry: AuditEntry, into counts: inout [Scope: Counts]) {
        guard entry.outcome != .attempted, let tenant = entry.tenant, let service = entry.service,
              entry.operation.hasPrefix("datakey.") || entry.operation.hasPrefix("kmip.")
        else { return }
        var scope = Scope(tenant: tenant, service: service)
        if counts[scope] == nil, counts.count >= maximumScopes { scope = other }
        let n = entry.count ?? 1
        var current = counts[scope] ?? Counts()
        if entry.outcome == .success {
            switch entry.operation {
            case OperationKind.dataKeyGenerate.rawValue: current.generated += n
            case OperationKind.dataKeyWrap.rawValue: current.wrapped += n
            case OperationKind.dataKeyUnwrap.rawValue: current.unwrapped += n
            case OperationKind.dataKeyRewrap.rawValue: current.rewrapped += n
            default: if entry.operation.hasPrefix("kmip.") { current.kmip += n } else { return }
            }
            current.lastUse = max(current.lastUse ?? entry.time, entry.time)
        } else {
            var reason = entry.errorCode ?? "unknown"
            if current.refusals[reason] == nil, current.refusals.count >= maximumReasons { reason = "other" }
            current.refusals[reason, default: 0] += n
        }
        counts[scope] = current
    }

    /// One tenant's counts, by service.
    public func usage(tenant: String) -> [String: Counts] {
        counts.withLock { counts in
            var byService: [String: Counts] = [:]
            for (scope, value) in counts where scope.tenant == tenant { byService[scope.service] = value }
            return byService
        }
    }

    /// The `limit` busiest pairs, and the rest summed (nil when there is no rest).
    public func busiest(_ limit: Int) -> (top: [(scope: Scope, counts: Counts)], rest: Counts?) {
        let all = counts.withLock { $0 }.sorted { ($0.value.total, $1.key.tenant, $1.key.service) > ($1.value.total, $0.key.tenant, $0.key.service) }
        let top = all.prefix(limit).map { (scope: $0.key, counts: $0.value) }
        guard all.count > limit else { return (top, nil) }
        var rest = Counts()
        for (_, value) in all.dropFirst(limit) { rest.add(value) }
        return (top, rest)
    }
}
