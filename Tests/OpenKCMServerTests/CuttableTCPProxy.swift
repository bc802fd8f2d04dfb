import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy between one node and its database that a test can cut, as a
/// broken network does: while cut, nothing passes either way (bytes are
/// dropped, new connections are accepted and never answered), so the node's
/// queries hang rather than fail. Restoring closes the connections that lost
/// bytes and lets new ones through.
final class CuttableTCPProxy: Sendable {
    let port: Int
    private let server: any Channel
    private let isCut = Atomic<Bool>(false)
    private let connections = Mutex<[any Channel]>([])

    private init(server: any Channel) {
        self.server = server
        self.port = server.localAddress?.port ?? 0
    }

    static func start(to host: String, port upstreamPort: Int) async throws -> CuttableTCPProxy {
        let group = MultiThreadedEventLoopGroup.singleton
        let proxy = Holder()
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                guard let owner = proxy.value else { return inbound.close() }
                owner.track(inbound)
                if owner.isCut.load(ordering: .acquiring) {
                    return inbound.pipeline.addHandler(Relay(partner: nil, proxy: owner))
                }
                return ClientBootstrap(group: inbound.eventLoop)
                    .channelInitializer { upstream in upstream.pipeline.addHandler(Relay(partner: inbound, proxy: owner)) }
                    .connect(host: host, port: upstreamPort)
                    .flatMap { upstream in
                        owner.track(upstream)
                        return inbound.pipeline.addHandler(Relay(partner: upstream, proxy: owner))
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let made = CuttableTCPProxy(server: server)
        proxy.value = made
        return made
    }

    func cut() {
        isCut.store(true, ordering: .releasing)
    }

    func restore() {
        let broken = connections.withLock { connections in
            defer { connections = [] }
            return connections
        }
        for channel in broken { channel.close(promise: nil) }
        isCut.store(false, ordering: .releasing)
    }

    func stop() {
        restore()
        server.close(promise: nil)
    }

    private func track(_ channel: any Channel) {
        connections.withLock { $0.append(channel) }
    }

    /// Passes bytes to the other side unless the proxy is cut.
    private final class Relay: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let partner: (any Channel)?
        let proxy: CuttableTCPProxy

        init(partner: (any Channel)?, proxy: CuttableTCPProxy) {
            self.partner = partner
            self.proxy = proxy
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !proxy.isCut.load(ordering: .acquiring), let partner else { return }
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner?.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    /// The proxy, set once it exists (the accept handler is made before it).
    private final class Holder: Sendable {
        private let stored = Mutex<CuttableTCPProxy?>(nil)
        var value: CuttableTCPProxy? {
            get { stored.withLock { $0 } }
            set { stored.withLock { $0 = newValue } }
        }
    }
}
