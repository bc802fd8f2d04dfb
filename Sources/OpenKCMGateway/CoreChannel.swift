import DataKeyChannel
import DataKeyWire
import KMIPEngine
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The gateway's end of the core's data-key channel (``DataKeyChannelWire``):
/// persistent connections that each carry one batch at a time, so a batch
/// costs a frame each way instead of an HTTP request. A connection says
/// hello once; one that fails is dropped and the next batch opens another.
final class CoreChannel: Sendable {
    let configuration: CoreChannelConfiguration
    private let hello: DataKeyChannelWire.Hello
    private let tls: NIOSSLContext?
    /// Connections that said hello and carry no batch now.
    private let idle = Mutex<[(channel: any Channel, endpoint: Int)]>([])
    /// Every connection lives on this loop, and batches are sent from it (``executor``).
    let eventLoop: any EventLoop
    let executor: EventLoopTaskExecutor

    /// Counts each connection whose hello the core accepted.
    private let connected: @Sendable () -> Void
    /// Which replica's channel a new connection tries first.
    private let turn: CoreTurn

    init(configuration: CoreChannelConfiguration, token: String, tenant: String, service: String, connected: @escaping @Sendable () -> Void = {}) {
        self.configuration = configuration
        self.connected = connected
        self.turn = CoreTurn(count: configuration.endpoints.count)
        self.hello = DataKeyChannelWire.Hello(token: token, tenant: tenant, service: service)
        self.tls = configuration.tls
        self.eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        self.executor = EventLoopTaskExecutor(eventLoop)
    }

    /// Sends one batch and reads each item's answer, as ``CoreConnection/batch(_:_:read:)`` does over REST.
    func batch<Answer: Sendable>(
        _ kind: DataKeyChannelWire.Kind, _ items: [CoreConnection.Item], read: (ArraySlice<UInt8>) throws(GatewayError) -> Answer
    ) async -> [Result<Answer, GatewayError>] {
        let failure = { (error: GatewayError) in [Result<Answer, GatewayError>](repeating: .failure(error), count: items.count) }
        var body: [UInt8]
        do {
            body = try CoreConnection.requestBody(items)
        } catch {
            return failure(error)
        }
        var frame = ByteBuffer(bytes: DataKeyChannelWire.header(kind, payloadCount: body.count))
        frame.writeBytes(body)
        body.secureZero()
        defer { frame.withUnsafeMutableReadableBytes { $0.secureZero() } }
        // A replica that refuses the whole batch with 503 (sealed, cut from its database) is left for the
        // next one, once per replica: a batch is safe to send again.
        for attempt in 0..<configuration.endpoints.count {
            var answer: ByteBuffer
            let endpoint: Int
            do {
                (answer, endpoint) = try await send(frame)
            } catch {
                return failure(error as? GatewayError ?? .unavailable("the core's data-key channel failed: \(error)"))
            }
            defer { answer.withUnsafeMutableReadableBytes { $0.secureZero() } }
            guard let kindByte = answer.readInteger(as: UInt8.self) else { return failure(.unavailable("the core sent an empty frame")) }
            var payload = Array(answer.readableBytesView)
            defer { payload.secureZero() }
            switch DataKeyChannelWire.Kind(rawValue: kindByte) {
            case .answer:
                return CoreConnection.outcomes(payload, count: items.count, read: read)
            case .refusal:
                guard let refusal = try? DataKeyChannelWire.Refusal(decoding: payload) else { return failure(.unavailable("the core's refusal is malformed")) }
                if refusal.status == 503 && attempt < configuration.endpoints.count - 1 {
                    leave(endpoint)
                    continue
                }
                return failure(GatewayError(status: (400...599).contains(refusal.status) ? refusal.status : 502, code: refusal.code, detail: refusal.detail))
            default:
                return failure(.unavailable("the core sent an unexpected frame (kind \(kindByte))"))
            }
        }
        return failure(.unavailable("no core replica took the batch"))
    }

    /// Closes the idle connections to replica `endpoint` and starts with the next one.
    private func leave(_ endpoint: Int) {
        let closing = idle.withLock { idle in
            defer { idle.removeAll { $0.endpoint == endpoint } }
            return idle.filter { $0.endpoint == endpoint }
        }
        for kept in closing { kept.channel.close(promise: nil) }
        turn.move(from: endpoint)
    }

    /// Sends a batch frame on an idle connection, or on a new one. A kept
    /// connection may have been closed meanwhile (the core closes idle ones):
    /// then the batch goes once more, on a new connection. Sending twice is
    /// safe: a wrap made twice only leaves an unused blob, an unwrap reads.
    private func send(_ frame: ByteBuffer) async throws -> (ByteBuffer, endpoint: Int) {
        while let kept = idle.withLock({ $0.popLast() }) {
            guard kept.channel.isActive else { continue }
            do {
                let answer = try await Self.exchange(frame, on: kept.channel)
                idle.withLock { $0.append(kept) }
                return (answer, kept.endpoint)
            } catch let error as CoreChannelTimeout {
                // The core has the batch and is slow: sending it again would only double its load.
                kept.channel.close(promise: nil)
                throw GatewayError.unavailable("the core did not answer within \(error.limit)")
            } catch {
                kept.channel.close(promise: nil)
                break
            }
        }
        let (fresh, endpoint) = try await open()
        do {
            let answer = try await Self.exchange(frame, on: fresh)
            idle.withLock { $0.append((fresh, endpoint)) }
            return (answer, endpoint)
        } catch {
            fresh.close(promise: nil)
            throw GatewayError.unavailable("the core's data-key channel failed: \(error)")
        }
    }

    /// A new connection that said hello: to the replica that answered last,
    /// else to the next one that can be reached and is not sealed.
    private func open() async throws -> (any Channel, endpoint: Int) {
        var lastError: any Error = GatewayError.unavailable("no core channel address")
        for index in turn.order {
            do {
                return (try await open(configuration.endpoints[index]), index)
            } catch let error as GatewayError where error.status != 503 {
                throw error  // the core refused the hello itself (a bad token): another replica would too
            } catch {
                turn.move(from: index)
                lastError = error
            }
        }
        throw lastError
    }

    private func open(_ endpoint: CoreChannelConfiguration.Endpoint) async throws -> any Channel {
        let channel = try await connect(endpoint)
        var bytes = try hello.frame()
        var frame = ByteBuffer(bytes: bytes)
        bytes.secureZero()
        defer { frame.withUnsafeMutableReadableBytes { $0.secureZero() } }
        var answer: ByteBuffer
        do {
            answer = try await Self.exchange(frame, on: channel)
        } catch {
            channel.close(promise: nil)
            throw GatewayError.unavailable("the core's data-key channel closed during the hello: \(error)")
        }
        switch answer.readInteger(as: UInt8.self).flatMap(DataKeyChannelWire.Kind.init(rawValue:)) {
        case .ready:
            connected()
            return channel
        case .refusal:
            channel.close(promise: nil)
            let refusal = try? DataKeyChannelWire.Refusal(decoding: Array(answer.readableBytesView))
            throw GatewayError(status: refusal.map { (400...599).contains($0.status) ? $0.status : 502 } ?? 502,
                               code: refusal?.code ?? "gateway.bad_core_answer", detail: refusal?.detail ?? "the core refused the hello")
        default:
            channel.close(promise: nil)
            throw GatewayError.unavailable("the core did not answer the hello")
        }
    }

    private func connect(_ endpoint: CoreChannelConfiguration.Endpoint) async throws -> any Channel {
        let tls = self.tls
        // SNI takes names only: for an IP address the certificate is checked against the peer's address instead.
        let host = (try? SocketAddress(ipAddress: endpoint.host, port: 0)) == nil ? endpoint.host : nil
        return try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                        DataKeyChannelFrameDecoder(maximumFrameSize: DataKeyChannelWire.maximumAnswerFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(CoreChannelExchange())
                }
            }
            .connect(host: endpoint.host, port: endpoint.port).get()
    }

    /// How long the core may take to answer one frame, as a REST batch call may.
    static let answerLimit = TimeAmount.seconds(10)

    /// Writes a frame and waits for the frame that answers it, at most ``answerLimit``.
    /// A write that fails (the connection closed meanwhile) fails the answer at once.
    private static func exchange(_ frame: ByteBuffer, on channel: any Channel) async throws -> ByteBuffer {
        let answer = channel.eventLoop.makePromise(of: ByteBuffer.self)
        // A late answer would put the connection out of step: it is closed as well.
        let timeout = channel.eventLoop.scheduleTask(in: answerLimit) {
            answer.fail(CoreChannelTimeout(limit: .nanoseconds(answerLimit.nanoseconds)))
            channel.close(promise: nil)
        }
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { answer.fail($0) }
        channel.writeAndFlush(CoreChannelExchange.Outbound(frame: frame, answer: answer), promise: written)
        defer { timeout.cancel() }
        return try await answer.futureResult.get()
    }

    /// Closes every idle connection (at shutdown).
    func close() {
        for kept in idle.withLock({ idle in defer { idle = [] }; return idle }) { kept.channel.close(promise: nil) }
    }
}

/// The core took longer than the limit to answer a batch.
private struct CoreChannelTimeout: Error {
    let limit: Duration
}

/// Pairs each frame a connection sends with the frame that answers it: the
/// core answers in order, so the oldest waiting promise gets the next frame.
/// A connection that closes or fails fails every waiting promise.
private final class CoreChannelExchange: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    struct Outbound: Sendable {
        var frame: ByteBuffer
        var answer: EventLoopPromise<ByteBuffer>
    }

    private var waiting = CircularBuffer<EventLoopPromise<ByteBuffer>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = unwrapOutboundIn(data)
        waiting.append(outbound.answer)
        context.write(wrapOutboundOut(outbound.frame), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let answer = waiting.popFirst() else {
            // A frame nobody asked for: the connection is out of step.
            context.close(promise: nil)
            return
        }
        answer.succeed(frame)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(GatewayError.unavailable("the core closed the data-key channel"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(GatewayError.unavailable("the data-key channel closed"))
    }

    private func failAll(_ error: any Error) {
        while let answer = waiting.popFirst() { answer.fail(error) }
    }
}
