import Foundation
import KMIP
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import OpenKCMCore
public import ServiceLifecycle
import Synchronization

/// The KMIP listener: TLS 1.2 or 1.3 with client certificates required. Each
/// connection is recognised by its certificate, registered as a crypto
/// identity for one (tenant, service); messages from an unknown certificate,
/// or while the server is sealed, are refused with Permission Denied and
/// audited. Each message is answered by ``KMIPProtocolEngine``.
public struct KMIPListener: Service {
    let configuration: KMIPListenerConfiguration
    let operations: Operations
    let engine: KMIPProtocolEngine
    let logger: Logger
    let sslContext: NIOSSLContext
    /// Connections open now; past ``maximumConnections`` new ones are closed at once.
    private let open = ConnectionCount()
    let maximumConnections: Int

    /// Reads the TLS material now: a bad file stops the server at start, not at the first client.
    public init(configuration: KMIPListenerConfiguration, operations: Operations, engine: KMIPProtocolEngine = KMIPProtocolEngine(),
                maximumConnections: Int = 1024, logger: Logger = Logger(label: "openkcm.kmip")) throws {
        self.configuration = configuration
        self.maximumConnections = maximumConnections
        self.operations = operations
        var engine = engine
        engine.registerObjectOperations(operations)
        self.engine = engine
        self.logger = logger
        let chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(configuration.clientCAFile))
        sslContext = try NIOSSLContext(configuration: tls)
    }

    public func run() async throws {
        let maximum = engine.limits.maximumMessageSize
        let sslContext = self.sslContext
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TTLVFrameDecoder(maximumMessageSize: maximum)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("KMIP listening", metadata: ["address": .string("\(configuration.host):\(configuration.port)")])
        // Cancelled at graceful shutdown: the accept loop and every connection end.
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard open.enter(limit: maximumConnections) else {
                            logger.warning("KMIP connection refused: too many open", metadata: ["limit": .stringConvertible(maximumConnections)])
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            defer { open.leave() }
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
                var fingerprint: String?
                for try await message in inbound {
                    if fingerprint == nil {
                        // The handshake is done once data arrives; the peer certificate is verified by then.
                        fingerprint = try await connection.channel.nioSSL_peerCertificate().get().flatMap(KMIPClientCertificate.fingerprint)
                    }
                    let response = await respond(to: Array(message.readableBytesView), fingerprint: fingerprint)
                    try await outbound.write(ByteBuffer(bytes: response))
                }
            }
        } catch {
            logger.debug("KMIP connection closed", metadata: ["reason": .string("\(error)")])
        }
    }

    /// One message: refused unless the certificate belongs to a live identity and the server is unsealed.
    func respond(to bytes: [UInt8], fingerprint: String?) async -> [UInt8] {
        let correlationID = RandomUUID.make()
        guard let unsealed = try? operations.core.unsealed() else {
            return engine.refuse(bytes, reason: .permissionDenied, message: "the server is sealed")
        }
        guard let fingerprint, let identity = try? await unsealed.identities.authenticate(certificateFingerprint: fingerprint) else {
            await operations.auditUnscoped("kmip.session", caller: Caller(identity: nil, correlationID: correlationID), error: AccessError.unauthenticated)
            return engine.refuse(bytes, reason: .permissionDenied, message: "this client certificate is not registered with OpenKCM")
        }
        return await engine.respond(to: bytes, caller: Caller(identity: identity, correlationID: correlationID))
    }
}

/// How many KMIP connections are open.
private final class ConnectionCount: Sendable {
    private let count = Atomic<Int>(0)

    func enter(limit: Int) -> Bool {
        let now = count.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() {
        count.wrappingSubtract(1, ordering: .relaxed)
    }
}
