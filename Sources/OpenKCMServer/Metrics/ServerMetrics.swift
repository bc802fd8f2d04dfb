import Foundation
import OpenKCMCore
import Prometheus
import Synchronization

/// The server's Prometheus registry: request counts and latencies by route
/// template (never by raw path, so ids do not become label values), problem
/// codes, the seal state, and keys by layer and state at scrape time.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Handles by label set, so a request costs one dictionary lookup, not a registry walk.
    private let handles = Mutex<[String: (requests: Counter, latency: DurationHistogram)]>([:])

    /// The audit streams whose lag `/metrics` shows.
    private let auditStreams = Mutex<[AuditStreamProgress]>([])

    public init() {}

    /// Shows `progress` in `/metrics`: `openkcm_audit_stream_lag_entries`, `_acknowledged_sequence`, `_failures`, `_delivering`.
    public func watch(_ progress: AuditStreamProgress) {
        auditStreams.withLock { $0.append(progress) }
    }

    private func recordAuditStreams() {
        for stream in auditStreams.withLock({ $0 }) {
            let labels = [("sink", stream.sink)]
            func gauge(_ name: String, _ help: String, _ value: Double) {
                registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: name, unitName: "", helpText: help), labels: labels)
                    .set(to: value)
            }
            gauge("audit_stream_lag_entries", "Audit entries on disk that the SIEM has not acknowledged", Double(stream.lagEntries))
            gauge("audit_stream_acknowledged_sequence", "The newest audit sequence the SIEM holds for certain", Double(stream.acknowledgedSequence))
            gauge("audit_stream_failures", "Audit deliveries that failed since the server started", Double(stream.failureCount))
            gauge("audit_stream_delivering", "1 while the last delivery attempt reached the SIEM", stream.isDelivering ? 1 : 0)
        }
    }

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = "\(route) \(method) \(status)"
        let handle = handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let labels = [("route", route), ("method", method)]
            let handle = (
                requests: registry.makeCounter(
                    descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: "requests", unitName: "total", helpText: "REST requests answered"),
                    labels: labels + [("status", String(status))]),
                latency: registry.makeDurationHistogram(
                    descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: "request_duration", unitName: "seconds", helpText: "REST request latency"),
                    labels: labels,
                    buckets: Self.buckets)
            )
            handles[key] = handle
            return handle
        }
        handle.requests.increment()
        handle.latency.record(duration)
    }

    func recordProblem(code: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: "errors", unitName: "total", helpText: "Problems returned, by code"),
            labels: [("code", code)]
        ).increment()
    }

    /// The exposition text, with the seal state and key counts read now.
    func scrape(core: ServerCore) async -> String {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: "sealed", unitName: "", helpText: "1 while the server is sealed")
        ).set(to: core.status.sealed ? 1 : 0)
        recordAuditStreams()
        recordUsage(core.usage)
        if let unsealed = try? core.unsealed(),
           let counts = try? await cachedKeyCounts(unsealed.keyChain, defaults: core.rotationDefaults, now: core.now()) {
            for layer in ["L2.1", "L3"] {
                for state in KeyState.allCases {
                    registry.makeGauge(
                        descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: "keys", unitName: "", helpText: "Key versions by layer and state"),
                        labels: [("layer", layer), ("state", state.rawValue)]
                    ).set(to: Double(counts["\(layer)/\(state.rawValue)"] ?? 0))
                }
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(
                        namespace: "openkcm", metricName: "keys_overdue", unitName: "",
                        helpText: "Keys whose current version is past its rotation period (see GET /v1/reports/compliance for which)"),
                    labels: [("layer", layer)]
                ).set(to: Double(counts["\(layer)/overdue"] ?? 0))
            }
        }
        return registry.emitToString()
    }

    /// Gauges of key use exported at the last scrape, to drop those of pairs no longer among the busiest.
    private let usageGauges = Mutex<[String: Gauge]>([:])

    /// Key use of the busiest tenant and service pairs (``UsageRegister/exportedScopes``), the rest summed as `other`:
    /// bounded cardinality however many tenants there are.
    private func recordUsage(_ usage: UsageRegister) {
        let (top, rest) = usage.busiest(UsageRegister.exportedScopes)
        var rows = top
        if let rest { rows.append((scope: UsageRegister.Scope(tenant: "other", service: "other"), counts: rest)) }
        var exported: [String: Gauge] = [:]
        func set(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            let gauge = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "openkcm", metricName: name, unitName: "", helpText: help), labels: labels)
            gauge.set(to: value)
            exported[name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")] = gauge
        }
        for (scope, counts) in rows {
            let labels = [("tenant", scope.tenant), ("service", scope.service)]
            for (operation, count) in [("generate", counts.generated), ("wrap", counts.wrapped), ("unwrap", counts.unwrapped),
                                       ("rewrap", counts.rewrapped), ("kmip", counts.kmip)] {
                set("usage_operations", "Key operations since this node started, busiest tenants and services (the rest as other)",
                    labels + [("operation", operation)], Double(count))
            }
            for (reason, count) in counts.refusals {
                set("usage_refusals", "Refused or failed key operations since this node started, by error code", labels + [("reason", reason)], Double(count))
            }
            if let last = counts.lastUse {
                set("usage_last_use_seconds", "When a key of this tenant and service was last used (Unix time)", labels, last.timeIntervalSince1970)
            }
        }
        let stale = usageGauges.withLock { previous in
            defer { previous = exported }
            return previous.filter { exported[$0.key] == nil }.map(\.value)
        }
        for gauge in stale { registry.unregisterGauge(gauge) }
    }

    /// Key counts walk every tenant's records: an unauthenticated scrape may
    /// trigger that walk at most every 15 s.
    private let keyCountCache = Mutex<(counts: [String: Int], at: ContinuousClock.Instant)?>(nil)

    private func cachedKeyCounts(_ chain: KeyChain, defaults: RotationDefaults, now: Date) async throws -> [String: Int] {
        if let cached = keyCountCache.withLock({ $0 }), ContinuousClock.now - cached.at < .seconds(15) { return cached.counts }
        let counts = try await Self.keyCounts(chain, defaults: defaults, now: now)
        keyCountCache.withLock { $0 = (counts, .now) }
        return counts
    }

    /// Versions by layer and state, and keys past their rotation period by layer (`<layer>/overdue`).
    private static func keyCounts(_ chain: KeyChain, defaults: RotationDefaults, now: Date) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for tenant in try await chain.tenants() {
            let ring = try await chain.tenantKeyRing(tenant)
            for version in ring.tenantKeys.versions { counts["L2.1/\(version.state.rawValue)", default: 0] += 1 }
            if let due = chain.tenantKeyDue(ring, defaults: defaults).dueAt, due <= now { counts["L2.1/overdue", default: 0] += 1 }
            for service in try await chain.services(of: tenant) {
                let serviceRing = try await chain.serviceKeyRing(service, tenant: tenant)
                for version in serviceRing.serviceKeys.versions { counts["L3/\(version.state.rawValue)", default: 0] += 1 }
                if let due = chain.serviceKeyDue(serviceRing, tenant: ring, defaults: defaults).dueAt, due <= now {
                    counts["L3/overdue", default: 0] += 1
                }
            }
        }
        return counts
    }

    static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]
}
