public import NIOCore

/// Closes a KMIP connection that sends no whole message within
/// `firstMessage` of connecting (a TLS handshake or a first request left
/// hanging), or none for `idle` afterwards, so that silent connections cannot
/// hold the listener's connection slots. Goes after the TTLV framer: it sees
/// whole messages only.
public final class KMIPConnectionTimeouts: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private let firstMessage: TimeAmount
    private let idle: TimeAmount
    private var deadline: Scheduled<Void>?

    public init(firstMessage: TimeAmount = .seconds(30), idle: TimeAmount = .minutes(15)) {
        self.firstMessage = firstMessage
        self.idle = idle
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, after: firstMessage) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context, after: firstMessage)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Answering takes as long as it takes: the clock restarts when the answer is written.
        deadline?.cancel()
        deadline = nil
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        arm(context, after: idle)
        context.write(data, promise: promise)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func arm(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
    }
}
