import Hummingbird
public import ServiceLifecycle

/// Runs a gateway: its local listener (and KMIP listener, if configured), its event follower and its token's renewal, until graceful shutdown.
public struct GatewayService: Service {
    public let gateway: Gateway

    public init(gateway: Gateway) {
        self.gateway = gateway
    }

    public func run() async throws {
        let configuration = gateway.configuration
        let address: BindAddress = configuration.socketPath.map { .unixDomainSocket(path: $0) } ?? .hostname(configuration.host, port: configuration.port)
        let app = Application(router: gateway.router(), configuration: .init(address: address, serverName: "openkcm-gateway"), logger: gateway.logger)
        // Built before anything listens: a bad certificate file stops the gateway at start.
        let kmip = try configuration.kmip.map { try GatewayKMIPListener(configuration: $0, gateway: gateway) }
        defer { gateway.channel?.close() }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await cancelWhenGracefulShutdown { await gateway.followEvents() } }
            group.addTask { await cancelWhenGracefulShutdown { await GatewayTokenRenewal(core: gateway.core, logger: gateway.logger).run() } }
            group.addTask { try await app.runService() }
            if let kmip { group.addTask { try await kmip.run() } }
        }
    }
}
