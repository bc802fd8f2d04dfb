public import AsyncHTTPClient
import Crypto
import DataKeyWire
import Foundation
public import Logging
import Prometheus
import Synchronization

/// The edge beside an application (`openkcm gateway`): it makes data keys
/// (L4) locally, has the core wrap and unwrap them in batches, and keeps
/// unwrapped keys for a short time. It never holds L2 or L3. It follows the
/// core's event stream: a tenant lock, a destroyed or retired service, or a
/// lost stream empties its cache at once.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    let core: CoreConnection
    /// The core's data-key channel, when configured: batches go there instead of over REST.
    let channel: CoreChannel?
    let cache: UnwrapCache
    let metrics = GatewayMetrics()
    let logger: Logger
    private let wraps: BatchCoalescer<CoreConnection.Item, String>
    private let unwraps: BatchCoalescer<CoreConnection.Item, SymmetricKey>
    private let rewraps: BatchCoalescer<CoreConnection.Item, String>
    private let eventsConnected = Atomic<Bool>(false)

    public init(configuration: GatewayConfiguration, client: HTTPClient = .shared, logger: Logger = Logger(label: "openkcm.gateway")) {
        self.configuration = configuration
        self.logger = logger
        let core = CoreConnection(configuration: configuration, client: client)
        self.core = core
        let metrics = self.metrics
        let channel = configuration.coreChannel.map {
            CoreChannel(configuration: $0, token: configuration.token, tenant: configuration.tenant, service: configuration.service,
                        connected: { metrics.channelConnections.increment() })
        }
        self.channel = channel
        self.cache = UnwrapCache(lifetime: configuration.cacheLifetime, capacity: configuration.cacheCapacity)
        func coalescer<Answer: Sendable>(
            _ kind: DataKeyChannelWire.Kind, _ path: String, _ sizes: ValueHistogram,
            read: @escaping @Sendable (ArraySlice<UInt8>) throws(GatewayError) -> Answer
        ) -> BatchCoalescer<CoreConnection.Item, Answer> {
            BatchCoalescer(limit: configuration.batchLimit, inFlight: configuration.batchesInFlight, cost: CoreConnection.Item.encodedSize,
                           executor: channel?.executor, observe: { sizes.record(Double($0)) }) { items in
                let start = ContinuousClock.now
                defer { metrics.coreLatency.record(ContinuousClock.now - start) }
                if let channel { return await channel.batch(kind, items, read: read) }
                return await core.batch(path, items, read: read)
            }
        }
        let blob = { @Sendable (wrapped: ArraySlice<UInt8>) throws(GatewayError) in Data(wrapped).base64EncodedString() }
        self.wraps = coalescer(.wrap, "wrap", metrics.wrapBatchSize, read: blob)
        self.unwraps = coalescer(.unwrap, "unwrap", metrics.unwrapBatchSize) { key throws(GatewayError) in
            guard key.count == 32 else {
                throw GatewayError(status: 502, code: "gateway.bad_core_answer", detail: "the core's unwrap answer is not a 256-bit key")
            }
            return SymmetricKey(data: key)
        }
        self.rewraps = coalescer(.rewrap, "rewrap", metrics.rewrapBatchSize, read: blob)
    }

    /// Wraps a data key through the core (batched with concurrent requests); base64 in and out.
    /// With a `subject`, the key is bound to it at the core.
    public func wrap(_ key: String, context: [String: String], subject: String? = nil) async throws -> String {
        guard var bytes = Data(base64Encoded: key) else {
            metrics.refusals.increment()
            throw GatewayError(status: 400, code: "request.invalid_base64", detail: "'plaintext' is not valid base64")
        }
        defer { bytes.resetBytes(in: 0..<bytes.count) }
        return try await wrap(SymmetricKey(data: bytes), context: context, subject: subject)
    }

    /// Wraps a data key through the core; the wrapped blob in base64.
    func wrap(_ key: SymmetricKey, context: [String: String], subject: String? = nil) async throws -> String {
        do {
            if let subject { return try await wrapForSubject(key, context: context, subject: subject) }
            return try await wraps.submit(CoreConnection.Item(value: .key(key), context: try Self.canonical(context)))
        } catch {
            metrics.refusals.increment()
            throw error
        }
    }

    /// A subject-bound wrap, as one JSON call (``CoreConnection/json(_:_:)``):
    /// the binary batch and the data-key channel carry no subject.
    private func wrapForSubject(_ key: SymmetricKey, context: [String: String], subject: String) async throws -> String {
        // Base64 text in Strings cannot be zeroed reliably; the JSON body built from it is (CoreConnection.json).
        let plaintext = key.withUnsafeBytes { Data($0).base64EncodedString() }
        let answer = try await core.json("wrap", ["plaintext": plaintext, "context": context, "subject": subject], idempotent: true).get()
        guard let wrapped = answer["wrapped"] as? String else {
            throw GatewayError(status: 502, code: "gateway.bad_core_answer", detail: "the core's wrap answer has no 'wrapped'")
        }
        return wrapped
    }

    /// A data key made here, and its wrapped form from the core.
    public func dataKey(context: [String: String], subject: String? = nil) async throws -> (plaintext: String, wrapped: String) {
        let key = SymmetricKey(size: .bits256)
        return (key.withUnsafeBytes { Data($0).base64EncodedString() }, try await wrap(key, context: context, subject: subject))
    }

    /// Unwraps through the cache, or the core (batched); base64 in and out.
    public func unwrap(_ wrapped: String, context: [String: String], subject: String? = nil) async throws -> String {
        try await unwrapKey(wrapped, context: context, subject: subject).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The data key inside `wrapped`, from the cache or the core (batched),
    /// as a `SymmetricKey` (zeroed when released) for callers that use it here.
    func unwrapKey(_ wrapped: String, context: [String: String], subject: String? = nil) async throws -> SymmetricKey {
        guard let blob = Data(base64Encoded: wrapped) else {
            metrics.refusals.increment()
            throw GatewayError(status: 400, code: "request.invalid_base64", detail: "wrapped is not base64")
        }
        let bytes = Array(blob)
        let canonical: [UInt8]
        do {
            canonical = try Self.canonical(context)
        } catch {
            metrics.refusals.increment()
            throw error
        }
        let slot = UnwrapCache.slot(wrapped: bytes, context: canonical, subject: subject)
        if let key = cache.key(at: slot) {
            metrics.cacheHits.increment()
            return key
        }
        metrics.cacheMisses.increment()
        let generation = cache.generation
        let following = eventsConnected.load(ordering: .acquiring)
        do {
            let key: SymmetricKey
            if let subject {
                key = try await unwrapForSubject(wrapped, context: context, subject: subject)
            } else {
                key = try await unwraps.submit(CoreConnection.Item(value: .blob(bytes), context: canonical))
            }
            // Cached only while the event stream is up, and only if no lock, loss or destroyed
            // subject emptied the cache while the core was answering: nothing outlives a lock unseen.
            if following { cache.store(key, at: slot, takenAt: generation, subject: subject.map(UnwrapCache.subjectDigest)) }
            return key
        } catch {
            metrics.refusals.increment()
            throw error
        }
    }

    /// Has the core wrap a stored blob again under the service's current L3
    /// version (batched with concurrent requests); base64 in and out. The
    /// data key never leaves the core, and nothing is cached: the answer is
    /// a new blob, and the old one stays as valid (or revoked) as it was.
    public func rewrap(_ wrapped: String, context: [String: String], subject: String? = nil) async throws -> String {
        do {
            guard let blob = Data(base64Encoded: wrapped) else {
                throw GatewayError(status: 400, code: "request.invalid_base64", detail: "wrapped is not base64")
            }
            if let subject {
                let answer = try await core.json("rewrap", ["wrapped": wrapped, "context": context, "subject": subject], idempotent: true).get()
                guard let rewrapped = answer["wrapped"] as? String else {
                    throw GatewayError(status: 502, code: "gateway.bad_core_answer", detail: "the core's rewrap answer has no 'wrapped'")
                }
                return rewrapped
            }
            return try await rewraps.submit(CoreConnection.Item(value: .blob(Array(blob)), context: try Self.canonical(context)))
        } catch {
            metrics.refusals.increment()
            throw error
        }
    }

    /// A subject-bound unwrap, as one JSON call (the binary batch carries no subject).
    private func unwrapForSubject(_ wrapped: String, context: [String: String], subject: String) async throws -> SymmetricKey {
        let answer = try await core.json("unwrap", ["wrapped": wrapped, "context": context, "subject": subject], idempotent: true).get()
        guard let plaintext = answer["plaintext"] as? String, var bytes = Data(base64Encoded: plaintext), bytes.count == 32 else {
            throw GatewayError(status: 502, code: "gateway.bad_core_answer", detail: "the core's unwrap answer is not a 256-bit key")
        }
        defer { bytes.resetBytes(in: 0..<bytes.count) }
        return SymmetricKey(data: bytes)
    }

    /// The context as the binary batch carries it; the core judges its limits.
    private static func canonical(_ context: [String: String]) throws(GatewayError) -> [UInt8] {
        do {
            return try DataKeyBatchWire.canonicalContext(context)
        } catch {
            throw GatewayError(status: 400, code: "envelope.context_too_large", detail: error.description)
        }
    }

    /// Revokes one data key at the core, and then forgets every cached key
    /// (the core's event tells every other gateway too). A revocation the
    /// core refused leaves the cache as it was: a refused call must not let a
    /// client empty it at will.
    func revoke(_ wrapped: String) async throws {
        if case .failure(let error) = await core.revoke(wrapped) {
            metrics.refusals.increment()
            throw error
        }
        dropCache(because: "a data key was revoked here")
    }

    /// Crypto-shreds one subject at the core, then forgets the keys cached
    /// for it here (the core's `subject.destroyed` event tells every other gateway).
    public func destroySubject(_ subject: String) async throws {
        if case .failure(let error) = await core.destroySubject(subject) {
            metrics.refusals.increment()
            throw error
        }
        dropSubject(UnwrapCache.subjectDigest(subject), because: "a subject was destroyed here")
    }

    /// Follows the core's events until cancelled, reconnecting with backoff.
    /// Every (re)connection and every lock or destruction empties the cache.
    public func followEvents() async {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled {
            let heard = Heartbeat()
            let connected = ContinuousClock.now
            do {
                // A stream that goes quiet (a half-open connection) counts as lost:
                // the core writes at least every 15 s.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await event in self.core.events() {
                            heard.beat()
                            self.handle(event)
                        }
                        throw GatewayError.unavailable("the core ended its event stream")
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: .seconds(5))
                            if heard.silence > Self.silenceLimit {
                                throw GatewayError.unavailable("no word from the core's event stream for \(Self.silenceLimit)")
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } catch {
                if !Task.isCancelled { logger.warning("core event stream lost", metadata: ["error": .string("\(error)")]) }
            }
            eventsConnected.store(false, ordering: .releasing)
            dropCache(because: "lost the core's event stream")
            // A stream that lived a while was healthy: reconnect quickly; one that keeps failing, less often.
            delay = ContinuousClock.now - connected > .seconds(30) ? .milliseconds(250) : min(delay * 2, .seconds(5))
            try? await Task.sleep(for: delay)
        }
    }

    /// How long the event stream may stay silent before it counts as lost (the core writes every 15 s).
    static let silenceLimit: Duration = .seconds(40)

    private func handle(_ event: CoreConnection.Event) {
        switch event.name {
        case "hello":
            dropCache(because: "connected to the core's event stream")
            eventsConnected.store(true, ordering: .releasing)
        // `datakey.destroyed` is what cores before the rename to revocation sent.
        case "tenant.locked", "tenant.destroyed", "service.destroyed", "datakey.revoked", "datakey.destroyed":
            dropCache(because: event.name)
        case "subject.destroyed":
            // Only that subject's keys go; an event without a readable digest empties everything.
            let data = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any]
            if let digest = data?["digest"] as? String {
                dropSubject(digest, because: event.name)
            } else {
                dropCache(because: event.name)
            }
        default:
            break
        }
    }

    private func dropSubject(_ digest: String, because reason: String) {
        let dropped = cache.removeSubject(digest)
        metrics.cacheDrops.increment()
        if dropped > 0 { logger.info("gateway cache dropped a subject's keys", metadata: ["reason": .string(reason), "keys": .stringConvertible(dropped)]) }
    }


    private func dropCache(because reason: String) {
        let dropped = cache.count
        cache.removeAll()
        metrics.cacheDrops.increment()
        if dropped > 0 { logger.info("gateway cache emptied", metadata: ["reason": .string(reason), "keys": .stringConvertible(dropped)]) }
    }

    /// Whether the event stream is up (keys are cached only then).
    public var isFollowingEvents: Bool { eventsConnected.load(ordering: .acquiring) }
    public var cachedKeys: Int { cache.count }
    /// The gateway's metrics in Prometheus text, as served at `/metrics`.
    public var metricsText: String { metrics.text() }
}

/// When the core's event stream was last heard from.
private final class Heartbeat: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func beat() {
        last.withLock { $0 = .now }
    }

    var silence: Duration { last.withLock { ContinuousClock.now - $0 } }
}
