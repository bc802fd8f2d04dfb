import KMIP
import NIOCore
import NIOPosix
import NIOSSL

/// One persistent mutual-TLS connection to a KMIP server, one request in flight.
struct KMIPBenchConnection {
    var responses: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let requests: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// What one connection measured: seconds per request, and failed batch items.
    struct Tally: Sendable {
        var latencies: [Double] = []
        var failures = 0
    }

    /// Connects, runs `body` with the connection, and closes it.
    static func with<Result: Sendable>(host: String, port: Int, context: NIOSSLContext, group: any EventLoopGroup,
                                       _ body: (inout KMIPBenchConnection) async throws -> Result) async throws -> Result {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TTLVFrameSplitter()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = KMIPBenchConnection(responses: inbound.makeAsyncIterator(), requests: outbound)
            return try await body(&connection)
        }
    }

    /// Sends one message and reads its answer's batch items.
    mutating func call(_ request: [UInt8]) async throws -> [KMIPResponseBatchItem] {
        try await requests.write(ByteBuffer(bytes: request))
        guard var response = try await responses.next() else { throw ChannelError.eof }
        return try KMIPResponseMessage(TTLVDecoder().decode(response.readBytes(length: response.readableBytes) ?? [])).batchItems
    }

    /// Sends `request` until `end`, counting answers from `start` on (earlier ones are warm-up).
    /// Paced (`interval`), a request waits for its scheduled time; a late one goes at once.
    /// Latency runs from the moment the request is written to the moment its answer is read.
    mutating func drive(_ request: [UInt8], from start: ContinuousClock.Instant, until end: ContinuousClock.Instant,
                        interval: Duration?, offset: Duration) async throws -> Tally {
        var tally = Tally()
        var scheduled = ContinuousClock.now + offset
        while true {
            if interval == nil {
                scheduled = .now
            } else if scheduled > .now {
                try await Task.sleep(until: scheduled, clock: .continuous)
            }
            guard scheduled < end else { break }
            let sent = ContinuousClock.now
            let items = try await call(request)
            let finished = ContinuousClock.now
            if scheduled >= start {
                let elapsed = finished - sent
                tally.latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                tally.failures += items.filter { $0.resultStatus != .success }.count
            }
            if let interval { scheduled += interval }
        }
        return tally
    }
}

/// Cuts the TLS byte stream into whole TTLV messages.
struct TTLVFrameSplitter: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 8), let length = TTLVDecoder.messageLength(header: header) else {
            return .needMoreData
        }
        guard let message = buffer.readSlice(length: length) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }
}
