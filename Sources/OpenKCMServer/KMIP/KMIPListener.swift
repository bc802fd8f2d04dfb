import Foundation
import KMIP
public import KMIPEngine
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import OpenKCMTLS
import OpenKCMCore
import OpenKCMPKI
public import ServiceLifecycle
import Synchronization
import X509

/// The KMIP listener: TLS 1.2 or 1.3 with client certificates required. Each
/// connection is recognised by its certificate: registered by fingerprint
/// (issued by the server's client CA, or any certificate chaining to
/// `client_ca_file`), or issued by a trusted CA for a mapped subject; either
/// way a crypto identity for one (tenant, service). Messages from an unknown
/// certificate, or while the server is sealed, are refused with Permission
/// Denied and audited. Each message is answered by ``KMIPProtocolEngine``.
///
/// Client chains are verified by ``ClientCertificateVerifier`` (swift-certificates'
/// RFC 5280 verifier, not BoringSSL's): leaf, the intermediates the client
/// presents, and one of the anchors, which are the configured file's CAs plus
/// the sealed ones of ``KMIPClientTrust``. The anchors are read again when
/// those change here, and every ``trustReloadInterval`` (a change made on
/// another replica). The verified chain's anchor tells which trusted CA a
/// mapped subject belongs to.
public struct KMIPListener: Service {
    let configuration: KMIPListenerConfiguration
    let operations: Operations
    let engine: KMIPProtocolEngine
    let logger: Logger
    /// The TLS context new connections get, and the CA certificates it trusts beyond the configured file.
    private let tls: TLSContextSlot
    private let configuredRoots: [NIOSSLCertificate]
    private let serverChain: [NIOSSLCertificateSource]
    private let serverKey: NIOSSLPrivateKey
    public static let trustReloadInterval = Duration.seconds(5)
    /// Connections open now; past the limit new ones are closed at once.
    private let open: ListenerConnectionLimit

    /// Reads the TLS material now: a bad file stops the server at start, not at the first client.
    public init(configuration: KMIPListenerConfiguration, operations: Operations, engine: KMIPProtocolEngine = KMIPProtocolEngine(),
                maximumConnections: Int = 1024, logger: Logger = Logger(label: "openkcm.kmip")) throws {
        self.configuration = configuration
        self.open = ListenerConnectionLimit(maximum: maximumConnections)
        self.operations = operations
        var engine = engine
        engine.registerObjectOperations(operations)
        self.engine = engine
        self.logger = logger
        serverChain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        serverKey = try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem)
        configuredRoots = try configuration.clientCAFile.map { try NIOSSLCertificate.fromPEMFile($0) } ?? []
        tls = TLSContextSlot(
            try Self.makeContext(chain: serverChain, key: serverKey, roots: configuredRoots,
                                 kmip1Compatibility: configuration.kmip1AuthenticationSuites),
            verifier: ClientCertificateVerifier(anchors: try configuredRoots.map { try Certificate.parseAnchor(derEncoded: $0.toDERBytes()) }))
    }

    private static func makeContext(chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKey, roots: [NIOSSLCertificate],
                                    kmip1Compatibility: Bool) throws -> NIOSSLContext {
        var tls = ServerTLSPolicy.server(certificateChain: chain, privateKey: key, kmip1Compatibility: kmip1Compatibility)
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(roots)
        return try NIOSSLContext(configuration: tls)
    }

    /// Rebuilds the TLS context if the sealed CAs changed; while sealed it keeps the last one (every message is refused then anyway).
    func reloadTrust() async {
        guard (try? operations.core.unsealed()) != nil,
              let snapshot = try? await operations.core.kmipClientTrust.reload(from: operations.core.barrier) else { return }
        let roots = snapshot.roots
        guard roots != tls.current.withLock({ $0.roots }) else { return }
        do {
            let extra = try roots.map { try NIOSSLCertificate(bytes: $0, format: .der) }
            let context = try Self.makeContext(chain: serverChain, key: serverKey, roots: configuredRoots + extra,
                                              kmip1Compatibility: configuration.kmip1AuthenticationSuites)
            let anchors = try (configuredRoots + extra).map { try Certificate.parseAnchor(derEncoded: $0.toDERBytes()) }
            tls.current.withLock { $0 = (roots, context, ClientCertificateVerifier(anchors: anchors)) }
            logger.info("KMIP client CAs reloaded", metadata: ["sealed_cas": .stringConvertible(roots.count)])
        } catch {
            logger.error("KMIP client CAs not reloaded", metadata: ["reason": .string("\(error)")])
        }
    }

    public func run() async throws {
        let maximum = engine.limits.maximumMessageSize
        await reloadTrust()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let (context, verifier) = self.tls.current.withLock { ($0.context, $0.verifier) }
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(
                        context: context, customVerificationCallbackWithMetadata: self.verification(verifier)))
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TTLVFrameDecoder(maximumMessageSize: maximum)))
                    try channel.pipeline.syncOperations.addHandler(KMIPConnectionTimeouts())
                    // One message is answered at a time: read at most a few frames ahead of it.
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>.listenerConnection(channel, highWatermark: 4)
                }
            }
        logger.info("KMIP listening", metadata: ["address": .string("\(configuration.host):\(configuration.port)")])
        if configuration.kmip1AuthenticationSuites {
            logger.warning("KMIP also offers TLS 1.2 static-RSA CBC suites (tls_compatibility = \"kmip-1.x-suites\"): no forward secrecy for clients that pick them")
        }
        // Cancelled at graceful shutdown: the accept loop and every connection end.
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.followTrust() }
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard open.enter() else {
                            logger.warning("KMIP connection refused: too many open", metadata: ["limit": .stringConvertible(open.maximum)])
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

    /// Reloads the trusted CAs when this server changes them, and every few
    /// seconds. One task reads the change stream for the listener's life (a
    /// cancelled iteration would end the stream), one ticks.
    private func followTrust() async {
        let changes = operations.core.kmipClientTrust.changes
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in changes { await self.reloadTrust() }
            }
            group.addTask {
                while (try? await Task.sleep(for: Self.trustReloadInterval)) != nil { await self.reloadTrust() }
            }
        }
    }

    /// Verifies a client's presented chain with `verifier`; the verified chain
    /// (the presented leaf first, the anchor last) is kept on the connection.
    private func verification(_ verifier: ClientCertificateVerifier) -> NIOSSLCustomVerificationCallbackWithMetadata {
        let logger = logger
        return { presented, promise in
            let leaf = presented.first
            let der = presented.compactMap { try? $0.toDERBytes() }
            promise.completeWithTask { () async throws -> NIOSSLVerificationResultWithMetadata in
                do {
                    let chain = try await verifier.verify(presented: der)
                    guard let leaf, der.count == presented.count else { return .failed }
                    let rest = try chain.dropFirst().map { try NIOSSLCertificate(bytes: $0.derBytes, format: .der) }
                    return .certificateVerified(VerificationMetadata(NIOSSL.ValidatedCertificateChain([leaf] + rest)))
                } catch {
                    logger.info("KMIP client certificate refused", metadata: ["reason": .string("\(error)")])
                    return .failed
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var client: KMIPClientCertificate?
                for try await message in inbound {
                    if client == nil {
                        // The handshake is done once data arrives; the peer's chain is verified by then.
                        client = try await connection.channel.nioSSL_peerValidatedCertificateChain().get().flatMap(KMIPClientCertificate.init)
                    }
                    let response = await respond(to: Array(message.readableBytesView), client: &client)
                    try await outbound.write(ByteBuffer(bytes: response))
                }
            }
        } catch {
            logger.debug("KMIP connection closed", metadata: ["reason": .string("\(error)")])
        }
    }

    /// One message: refused unless the certificate belongs to a live identity and the server is unsealed.
    func respond(to bytes: [UInt8], client: inout KMIPClientCertificate?) async -> [UInt8] {
        let correlationID = RandomUUID.make()
        guard let unsealed = try? operations.core.unsealed() else {
            // Held by the audit log until the next unseal, like REST's refusals while sealed.
            await operations.auditUnscoped("kmip.session", caller: Caller(identity: nil, correlationID: correlationID), error: BarrierError.sealed)
            return engine.refuse(bytes, reason: .permissionDenied, message: "the server is sealed")
        }
        guard let identity = await client?.identity(in: unsealed.identities, trust: operations.core.kmipClientTrust.snapshot) else {
            await operations.auditUnscoped("kmip.session", caller: Caller(identity: nil, correlationID: correlationID), error: AccessError.unauthenticated)
            return engine.refuse(bytes, reason: .permissionDenied, message: "this client certificate is not registered with OpenKCM")
        }
        return await engine.respond(to: bytes, caller: Caller(identity: identity, correlationID: correlationID))
    }
}

/// The TLS context new connections get, with the sealed CA certificates it trusts.
private final class TLSContextSlot: Sendable {
    let current: Mutex<(roots: [[UInt8]], context: NIOSSLContext, verifier: ClientCertificateVerifier)>

    init(_ context: NIOSSLContext, verifier: ClientCertificateVerifier) {
        current = Mutex(([], context, verifier))
    }
}
