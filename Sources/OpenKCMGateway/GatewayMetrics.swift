import Prometheus

/// What the gateway counts, served at its `/metrics` (Prometheus text).
struct GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let cacheHits: Counter
    let cacheMisses: Counter
    let refusals: Counter
    let cacheDrops: Counter
    let kmipMessages: Counter
    let wrapBatchSize: ValueHistogram
    let unwrapBatchSize: ValueHistogram
    let rewrapBatchSize: ValueHistogram
    let coreLatency: DurationHistogram
    let channelConnections: Counter

    init() {
        func name(_ metric: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "openkcm_gateway", metricName: metric, unitName: unit, helpText: help)
        }
        cacheHits = registry.makeCounter(descriptor: name("cache_hits", "total", "unwraps answered from the cache"))
        cacheMisses = registry.makeCounter(descriptor: name("cache_misses", "total", "unwraps sent to the core"))
        refusals = registry.makeCounter(descriptor: name("refusals", "total", "wraps, unwraps and rewraps refused by the core or failed"))
        cacheDrops = registry.makeCounter(descriptor: name("cache_drops", "total", "times the cache was emptied (events, lost stream)"))
        kmipMessages = registry.makeCounter(descriptor: name("kmip_messages", "total", "KMIP request messages answered"))
        let sizes: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        wrapBatchSize = registry.makeValueHistogram(descriptor: name("batch_size", "", "items per batch sent to the core"), labels: [("operation", "wrap")], buckets: sizes)
        unwrapBatchSize = registry.makeValueHistogram(descriptor: name("batch_size", "", "items per batch sent to the core"), labels: [("operation", "unwrap")], buckets: sizes)
        rewrapBatchSize = registry.makeValueHistogram(descriptor: name("batch_size", "", "items per batch sent to the core"), labels: [("operation", "rewrap")], buckets: sizes)
        channelConnections = registry.makeCounter(descriptor: name("core_channel_connections", "total", "connections opened to the core's data-key channel (hello accepted)"))
        coreLatency = registry.makeDurationHistogram(descriptor: name("core_duration", "seconds", "time for one batch at the core"),
                                                     buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                                               .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1)])
    }

    func text() -> String {
        registry.emitToString()
    }
}
