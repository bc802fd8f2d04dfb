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
    /// Sends one message and counts the batch items whose Result Status is not Success, reading only
    /// those fields (as wrk reads no body): the load tool shares the cores with the server it measures.
    mutating func send(_ request: ByteBuffer) async throws -> Int {
        try await requests.write(request)
        guard let response = try await responses.next() else { throw ChannelError.eof }
        return Self.failedItems(in: response)
    }

    /// Result Status items (tag 0x42007F, Enumeration, length 4) whose value is not 0 (Success).
    static func failedItems(in response: ByteBuffer) -> Int {
        let pattern: [UInt8] = [0x42, 0x00, 0x7F, 0x05, 0x00, 0x00, 0x00, 0x04]
        var failed = 0
        response.withUnsafeReadableBytes { bytes in
            var index = 0
            // TTLV items are 8-byte aligned: a Result Status header starts on a multiple of 8.
            while index + 16 <= bytes.count {
                if bytes[index] == 0x42, bytes[index + 1] == 0x00, bytes[index + 2] == 0x7F,
                   pattern.indices.allSatisfy({ bytes[index + $0] == pattern[$0] }) {
                    if bytes[index + 8] | bytes[index + 9] | bytes[index + 10] | bytes[index + 11] != 0 { failed += 1 }
                }
                index += 8
            }
        }
        return failed
    }

    mutating func drive(_ request: [UInt8], from start: ContinuousClock.Instant, until end: ContinuousClock.Instant,
                        interval: Duration?, offset: Duration) async throws -> Tally {
        let buffer = ByteBuffer(bytes: request)
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
            let failed = try await send(buffer)
            let finished = ContinuousClock.now
            if scheduled >= start {
                let elapsed = finished - sent
                tally.latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                tally.failures += failed
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
