import Foundation
import NIOCore
import NIOPosix
package import NIOSSL
import OpenKCMCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Delivers audit entries to a syslog receiver (a SIEM, rsyslog) as RFC 5424
/// messages over TLS (RFC 5425), framed by octet counting
/// (``AuditSyslogMessage``).
///
/// Syslog has no acknowledgement, so a write counts as delivered on two
/// proofs: the receiver's TCP acknowledged it (a reading of the socket's
/// send queue, `SIOCOUTQ`, found it empty after the write completed), and
/// the connection stayed open ``processingTime`` after it, time for the
/// receiver to process what its TCP took. What was written on a connection
/// that closed before both is sent again on the next (receivers drop repeats
/// by `seq`). The socket also gets `TCP_USER_TIMEOUT`, so a receiver that
/// vanishes without closing shows as a lost connection within seconds. When
/// writes stay unacknowledged past ``processingTime`` (a steady stream never
/// leaves the queue empty) the sink lets the queue drain before writing
/// more, which bounds what a failure sends again.
package actor SyslogSink: AuditSink {
    /// `[audit.syslog]`: where the receiver is and how to trust it.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The receiver's CA, and optionally this node's certificate for a receiver that asks for one.
        public var tls: TLSConfiguration
        /// The name the receiver's certificate must carry; defaults to `host` when it is a name (an IP address is checked as an address).
        public var serverName: String?
        /// The HOSTNAME field of every message: this node's name.
        public var hostname: String

        public init(host: String, port: Int, tls: TLSConfiguration, serverName: String? = nil, hostname: String) {
            self.host = host
            self.port = port
            self.tls = tls
            self.serverName = serverName
            self.hostname = hostname
        }
    }

    /// How long the connection must outlive a write, after the receiver's TCP took it, for the write to count.
    static let processingTime = Duration.seconds(2)
    /// `TCP_USER_TIMEOUT`: bytes unacknowledged this long close the connection.
    static let userTimeoutMilliseconds: CInt = 10_000
    /// Linux's `TCP_USER_TIMEOUT` option (netinet/tcp.h) and `SIOCOUTQ` ioctl (linux/sockios.h, = TIOCOUTQ), which Glibc's module does not export.
    static let tcpUserTimeout: CInt = 18
    static let outputQueueRequest: UInt = 0x5411

    package nonisolated let name = "syslog"
    let configuration: Configuration
    let context: NIOSSLContext
    private var channel: (any Channel)?
    /// The channel's socket, for `SIOCOUTQ`; NIO owns and closes it.
    private var descriptor: CInt = -1
    private var connection: SyslogConnectionState?
    /// The last sequence of each write on this connection, when it completed, and whether the receiver's TCP has it; oldest first.
    private var unconfirmed: [(sequence: UInt64, writtenAt: ContinuousClock.Instant, acknowledged: Bool)] = []

    /// Builds the TLS context now, so a bad CA or key file stops the server at start.
    package init(_ configuration: Configuration) throws {
        self.configuration = configuration
        self.context = try NIOSSLContext(configuration: configuration.tls)
    }

    package func send(_ lines: [AuditLogTail.Line]) async throws -> UInt64? {
        guard let last = lines.last else { return try await settle() }
        let channel = try await connected()
        try await drainIfBehind(channel)
        var buffer = channel.allocator.buffer(capacity: lines.count * 640)
        for line in lines {
            buffer.writeBytes(AuditSyslogMessage.framed(line.entry, line: line.bytes, hostname: configuration.hostname))
        }
        try await channel.writeAndFlush(buffer)
        unconfirmed.append((last.entry.sequence, .now, false))
        return try await settle()
    }

    package func settle() async throws -> UInt64? {
        guard let channel, let connection else { return nil }
        if let reason = connection.lost { throw SyslogSinkError.connectionLost(reason) }
        guard !unconfirmed.isEmpty else { return nil }
        let asked = ContinuousClock.now
        if try await outputQueue(channel) == 0 {
            // Everything written before the question is in the receiver's TCP.
            for index in unconfirmed.indices where unconfirmed[index].writtenAt <= asked { unconfirmed[index].acknowledged = true }
        }
        if let reason = connection.lost { throw SyslogSinkError.connectionLost(reason) }
        let now = ContinuousClock.now
        let confirmed = unconfirmed.prefix { $0.acknowledged && now - $0.writtenAt >= Self.processingTime }
        unconfirmed.removeFirst(confirmed.count)
        return confirmed.last?.sequence
    }

    package func reset() {
        channel?.close(promise: nil)
        channel = nil
        descriptor = -1
        connection = nil
        unconfirmed = []
    }

    package func close() { reset() }

    /// Waits (up to 5 s) for the send queue to empty when the oldest write is still unacknowledged after ``processingTime``.
    private func drainIfBehind(_ channel: any Channel) async throws {
        guard let oldest = unconfirmed.first, !oldest.acknowledged, ContinuousClock.now - oldest.writtenAt >= Self.processingTime else { return }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let asked = ContinuousClock.now
            if try await outputQueue(channel) == 0 {
                for index in unconfirmed.indices where unconfirmed[index].writtenAt <= asked { unconfirmed[index].acknowledged = true }
                return
            }
            if let reason = connection?.lost { throw SyslogSinkError.connectionLost(reason) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Bytes in the socket's send queue, not yet acknowledged by the receiver. Asked on the
    /// channel's event loop, where the descriptor is open exactly while the channel is active.
    private func outputQueue(_ channel: any Channel) async throws -> Int {
        let descriptor = self.descriptor
        return try await channel.eventLoop.submit {
            guard channel.isActive else { throw SyslogSinkError.connectionLost("the connection is closed") }
            var queued: CInt = 0
            guard ioctl(descriptor, Self.outputQueueRequest, &queued) == 0 else {
                throw SyslogSinkError.connectionLost("SIOCOUTQ failed: \(String(cString: strerror(errno)))")
            }
            return Int(queued)
        }.get()
    }

    private func connected() async throws -> any Channel {
        if let channel, let connection {
            if let reason = connection.lost { throw SyslogSinkError.connectionLost(reason) }
            return channel
        }
        let (host, port) = (configuration.host, configuration.port)
        // Resolution and connect block: on the thread pool. The descriptor is ours until NIO takes it.
        let descriptor = try await NIOThreadPool.singleton.runIfActive { try Self.connectSocket(host: host, port: port) }
        let state = SyslogConnectionState()
        let context = self.context
        // SNI and the name check take names only: for an IP address the certificate is checked against the address.
        let serverName = configuration.serverName ?? ((try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil)
        // From here NIO owns the descriptor, and closes it on failure too.
        let made = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(SyslogConnectionWatch(state: state))
                }
            }
            .withConnectedSocket(descriptor).get()
        channel = made
        self.descriptor = descriptor
        connection = state
        return made
    }

    /// A connected TCP socket to `host:port`, with TCP_NODELAY and TCP_USER_TIMEOUT, connecting within 5 s.
    static func connectSocket(host: String, port: Int) throws -> CInt {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let descriptor = socket(address.protocol.rawValue, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SyslogSinkError.connectionLost("socket: \(String(cString: strerror(errno)))") }
        var one: CInt = 1
        var userTimeout = userTimeoutMilliseconds
        // connect() honours SO_SNDTIMEO on Linux: an unreachable receiver fails within 5 s.
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        guard setsockopt(descriptor, CInt(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<CInt>.size)) == 0,
              setsockopt(descriptor, CInt(IPPROTO_TCP), tcpUserTimeout, &userTimeout, socklen_t(MemoryLayout<CInt>.size)) == 0,
              setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size)) == 0
        else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw SyslogSinkError.connectionLost("setsockopt: \(reason)")
        }
        let connected = address.withSockAddr { connect(descriptor, $0, socklen_t($1)) }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw SyslogSinkError.connectionLost("cannot connect to \(host):\(port): \(reason)")
        }
        // Back to no send timeout: NIO drives the socket non-blocking from here.
        var none = timeval(tv_sec: 0, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }
}

/// Why a syslog delivery failed.
package enum SyslogSinkError: Error, CustomStringConvertible {
    case connectionLost(String)

    package var description: String {
        switch self {
        case .connectionLost(let reason): "the syslog connection was lost: \(reason)"
        }
    }
}
