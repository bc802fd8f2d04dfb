import NIOCore

/// The last handler of a syslog connection: marks it lost when it closes or
/// fails, and drops whatever the receiver sends (a syslog receiver answers nothing).
final class SyslogConnectionWatch: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let state: SyslogConnectionState

    init(state: SyslogConnectionState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        state.lose("the receiver closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.lose("\(error)")
        context.close(promise: nil)
    }
}
