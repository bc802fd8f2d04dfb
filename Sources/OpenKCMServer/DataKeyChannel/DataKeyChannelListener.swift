import DataKeyChannel
import DataKeyWire
import Foundation
import HTTPTypes
import KMIPEngine
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import OpenKCMTLS
import OpenKCMCore
public import ServiceLifecycle

/// The data-key channel (``DataKeyChannelWire``): gateways keep a connection
/// open and send binary wrap and unwrap batches over it, answered as the
/// REST batch routes answer them (``BinaryBatchResponder``) but without an
/// HTTP request, a router and a token check of their own per batch.
///
/// A connection starts with a hello: the bearer token, the tenant and the
/// service. The token must belong to a live identity allowed to wrap in that
/// service, or the hello is refused, audited, and the connection closed.
/// Each batch then authenticates the token again and is authorized and
/// audited as a REST batch is: revoking the identity, locking the tenant or
/// sealing the core refuses the next batch.
public struct DataKeyChannelListener: Service {
    let configuration: DataKeyChannelConfiguration
    let operations: Operations
    let responder: BinaryBatchResponder
    let logger: Logger
    private let tls: NIOSSLContext?
    private let open: ListenerConnectionLimit
    /// Told the port once bound (port 0 binds a free one).
    private let onListening: @Sendable (Int) -> Void

    /// Reads the TLS material now: a bad file stops the server at start, not at the first gateway.
    public init(configuration: DataKeyChannelConfiguration, operations: Operations, tls: RESTTLSConfiguration?,
                maximumConnections: Int = 1024, logger: Logger = Logger(label: "openkcm.channel"),
                onListening: @escaping @Sendable (Int) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.onListening = onListening
        self.operations = operations
        self.responder = BinaryBatchResponder(operations: operations)
        self.logger = logger
        self.open = ListenerConnectionLimit(maximum: maximumConnections)
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            let settings = ServerTLSPolicy.server(certificateChain: chain, privateKey: try NIOSSLPrivateKey(file: tls.keyFile, format: .pem))
            self.tls = try NIOSSLContext(configuration: settings)
        } else {
            self.tls = nil
        }
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    // Until the hello is checked, a frame may be only a few KiB.
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                        DataKeyChannelFrameDecoder(firstFrameLimit: DataKeyChannelWire.maximumHelloFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(KMIPConnectionTimeouts(firstMessage: .seconds(10)))
                    // Frames are answered one at a time and a gateway sends one at a time: read at most one ahead.
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>.listenerConnection(channel, highWatermark: 2)
                }
            }
        let port = server.channel.localAddress?.port ?? configuration.port
        logger.info("data-key channel listening", metadata: ["address": .string("\(configuration.host):\(port)"), "tls": .stringConvertible(tls != nil)])
        onListening(port)
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard open.enter() else {
                            logger.warning("data-key channel connection refused: too many open", metadata: ["limit": .stringConvertible(open.maximum)])
                            try? await connection.channel.close()
                            continue
                        }
                        let executor = EventLoopTaskExecutor(connection.channel.eventLoop)
                        group.addTask(executorPreference: executor) {
                            defer { open.leave() }
                            await self.serve(connection)
                        }
                    }
                }
            }
        }
    }

    /// Who a connection's hello said it is.
    private struct Session {
        var token: String
        var tenant: TenantID
        var service: ServiceID
    }

    /// How long an answer may wait for the peer to read it: a peer that stops
    /// reading would otherwise hold its connection, and the answer, for good.
    static let writeDeadline = TimeAmount.seconds(30)

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var session: Session?
                for try await frame in inbound {
                    var frame = frame
                    guard let kindByte = frame.readInteger(as: UInt8.self) else { return }
                    var payload = Array(frame.readableBytesView)
                    // The payload holds a token, or data keys to wrap: zero every copy once answered.
                    frame.withUnsafeMutableReadableBytes { $0.zeroize() }
                    defer { payload.zeroize() }
                    let kind = DataKeyChannelWire.Kind(rawValue: kindByte)
                    if let current = session {
                        var answer = await respond(kind, payload, session: current)
                        try await write(answer, to: outbound, on: connection.channel)
                        answer.zeroize()
                    } else {
                        switch await greet(kind, payload) {
                        case .success(let accepted):
                            session = accepted
                            try await write(DataKeyChannelWire.header(.ready, payloadCount: 0), to: outbound, on: connection.channel)
                        case .failure(let refusal):
                            try await write(refusal.frame(), to: outbound, on: connection.channel)
                            return
                        }
                    }
                }
            }
        } catch let error as DataKeyWireError {
            // Framing the listener cannot follow (a length of 0 or past the limit): refused like an oversized REST body.
            await operations.auditUnscoped("datakey-channel.frame", caller: Caller(identity: nil, correlationID: RandomUUID.make()),
                                           error: ProblemDetails(status: .contentTooLarge, code: "channel.invalid_frame", detail: error.description))
            logger.debug("data-key channel connection closed", metadata: ["reason": .string(error.description)])
        } catch {
            logger.debug("data-key channel connection closed", metadata: ["reason": .string("\(error)")])
        }
    }

    /// Writes one answer, closing the connection if the peer has not taken it
    /// within ``writeDeadline``. The buffer is zeroed once written (best
    /// effort: a copy NIO still holds for a slow peer is not reached).
    private func write(_ bytes: [UInt8], to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, on channel: any Channel) async throws {
        var buffer = ByteBuffer(bytes: bytes)
        let deadline = channel.eventLoop.scheduleTask(in: Self.writeDeadline) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        try await outbound.write(buffer)
        buffer.withUnsafeMutableReadableBytes { $0.zeroize() }
    }

    /// A connection's first frame: it must be a hello whose token may wrap in its (tenant, service).
    private func greet(_ kind: DataKeyChannelWire.Kind?, _ payload: [UInt8]) async -> Result<Session, DataKeyChannelWire.Refusal> {
        let caller = Caller(identity: nil, correlationID: RandomUUID.make())
        do {
            guard kind == .hello else {
                throw ProblemDetails(status: .badRequest, code: "channel.hello_expected", detail: "a data-key channel starts with a hello frame")
            }
            let hello: DataKeyChannelWire.Hello
            do {
                hello = try DataKeyChannelWire.Hello(decoding: payload)
            } catch {
                throw ProblemDetails(status: .badRequest, code: "channel.invalid_hello", detail: error.description)
            }
            let session = Session(token: hello.token, tenant: try TenantID(hello.tenant), service: try ServiceID(hello.service))
            var identified = caller
            identified.identity = try await authenticate(session.token)
            // Refused and audited here (as `datakey.wrap`, as REST audits it) if this identity may not wrap in that service.
            try await operations.authorize(.dataKeyWrap, caller: identified, tenant: session.tenant, service: session.service)
            // Who opened a channel, and for which scope, is on the record too.
            await operations.auditHello(caller: identified, tenant: session.tenant, service: session.service)
            return .success(session)
        } catch {
            return .failure(await refusal(error, operation: "datakey-channel.hello", caller: caller))
        }
    }

    /// A batch frame's answer frame.
    private func respond(_ kind: DataKeyChannelWire.Kind?, _ payload: [UInt8], session: Session) async -> [UInt8] {
        var caller = Caller(identity: nil, correlationID: RandomUUID.make())
        let operation: BinaryBatchResponder.Operation
        switch kind {
        case .wrap: operation = .wrap
        case .unwrap: operation = .unwrap
        case .rewrap: operation = .rewrap
        default:
            let problem = ProblemDetails(status: .badRequest, code: "channel.unexpected_frame", detail: "only wrap, unwrap and rewrap batches follow the hello")
            return await refusal(problem, operation: "datakey-channel.frame", caller: caller).frame()
        }
        do {
            do {
                caller.identity = try await authenticate(session.token)
            } catch {
                // Audited in the batch's scope, as REST audits a batch whose token no longer holds.
                try await operations.authorize(operation.kind, caller: caller, tenant: session.tenant, service: session.service)
                throw error
            }
            var answer = try await responder.answer(operation, body: payload, tenant: session.tenant, service: session.service, caller: caller)
            defer { answer.zeroize() }
            return DataKeyChannelWire.header(.answer, payloadCount: answer.count) + answer
        } catch {
            let name = "datakey-channel.\(operation)"
            return await refusal(error, operation: name, caller: caller).frame()
        }
    }

    /// The token's identity, as REST's bearer check finds it. Sealed is
    /// said as such (503), so a gateway retries instead of giving up on its token.
    private func authenticate(_ token: String) async throws -> Identity {
        try await operations.core.unsealed().identities.authenticate(token)
    }

    /// A refusal as the REST API would say it, audited unless an operation already was.
    private func refusal(_ error: any Error, operation: String, caller: Caller) async -> DataKeyChannelWire.Refusal {
        if !caller.audited.isSet { await operations.auditUnscoped(operation, caller: caller, error: error) }
        let problem = ProblemDetails.from(error)
        if problem.status >= 500 {
            logger.error("data-key channel batch failed", metadata: ["correlation_id": .string(caller.correlationID), "code": .string(problem.code)])
        }
        return DataKeyChannelWire.Refusal(status: problem.status, code: problem.code, detail: problem.detail)
    }
}
