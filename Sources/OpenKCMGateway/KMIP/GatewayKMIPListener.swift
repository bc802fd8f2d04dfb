import Crypto
import KMIP
import KMIPEngine
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import OpenKCMTLS
import Prometheus
import ServiceLifecycle

/// The gateway's KMIP listener: TLS 1.2 or 1.3, a client certificate that
/// chains to the configured CA required, one message at a time per
/// connection, answered by a ``KMIPEngine`` with the gateway's operations.
final class GatewayKMIPListener: Sendable {
    let configuration: GatewayKMIPConfiguration
    let engine: KMIPEngine<GatewayKMIPClient>
    let sslContext: NIOSSLContext
    let gateway: Gateway
    /// Connections past 256 are closed on arrival.
    private let open = ListenerConnectionLimit(maximum: 256)

    /// Reads the TLS material now: a bad file stops the gateway at start.
    init(configuration: GatewayKMIPConfiguration, gateway: Gateway) throws {
        self.configuration = configuration
        self.gateway = gateway
        var engine = KMIPEngine<GatewayKMIPClient>(vendorIdentification: "OpenKCM gateway")
        engine.registerGatewayOperations(gateway)
        self.engine = engine
        let chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        var tls = ServerTLSPolicy.server(certificateChain: chain, privateKey: try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(configuration.clientCAFile))
        sslContext = try NIOSSLContext(configuration: tls)
    }

    func run() async throws {
        let maximum = engine.limits.maximumMessageSize
        let sslContext = self.sslContext
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TTLVFrameDecoder(maximumMessageSize: maximum)))
                    try channel.pipeline.syncOperations.addHandler(KMIPConnectionTimeouts())
                    // One message is answered at a time: read at most a few frames ahead of it.
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>.listenerConnection(channel, highWatermark: 4)
                }
            }
        gateway.logger.info("gateway KMIP listening", metadata: ["address": .string("\(configuration.host):\(configuration.port)")])
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard self.open.enter() else {
                            self.gateway.logger.warning("gateway KMIP connection refused: too many open", metadata: ["limit": .stringConvertible(self.open.maximum)])
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            defer { self.open.leave() }
                            await self.serve(connection)
                        }
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var client: GatewayKMIPClient?
                for try await message in inbound {
                    if client == nil {
                        // The handshake is done once data arrives: TLS verified the certificate against the client CA.
                        let der = try await connection.channel.nioSSL_peerCertificate().get().flatMap { try? $0.toDERBytes() } ?? []
                        client = GatewayKMIPClient(certificateFingerprint: SHA256.hash(data: der).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
                    }
                    gateway.metrics.kmipMessages.increment()
                    try await outbound.write(ByteBuffer(bytes: await engine.respond(to: Array(message.readableBytesView), caller: client)))
                }
            }
        } catch {
            gateway.logger.debug("gateway KMIP connection closed", metadata: ["reason": .string("\(error)")])
        }
    }
}
