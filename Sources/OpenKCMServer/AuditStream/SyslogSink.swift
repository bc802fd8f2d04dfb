import Foundation
import NIOCore
import NIOPosix
public import NIOSSL
import OpenKCMCore
import Synchronization

/// Delivers audit entries to a syslog receiver (a SIEM, rsyslog) as RFC 5424
/// messages over TLS (RFC 5425), framed by octet counting
/// (``AuditSyslogMessage``).
///
/// Syslog has no acknowledgement, so what counts as delivered is what TCP
/// proves: the socket gets `TCP_USER_TIMEOUT` (data unacknowledged that
/// long closes the connection), and a message counts as delivered once the
/// connection is still open ``confirmationDelay`` (longer than that timeout)
/// after it was written: the receiver's TCP has then acknowledged it. What
/// was sent on a connection that closed sooner is sent again on the next.
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

    /// A connection still open this long after a write proves the receiver's TCP acknowledged it.
    static let confirmationDelay = Duration.seconds(5)
    /// `TCP_USER_TIMEOUT`: bytes unacknowledged this long close the connection (under ``confirmationDelay``).
    static let userTimeoutMilliseconds = 4000
    /// Linux's `TCP_USER_TIMEOUT` option number (netinet/tcp.h), which Glibc's module does not export.
    static let tcpUserTimeout: CInt = 18

    package nonisolated let name = "syslog"
    let configuration: Configuration
    let context: NIOSSLContext
    private var channel: (any Channel)?
    private var connection: SyslogConnectionState?
    /// The last sequence of each write on this connection, and when it went out, oldest first.
    private var unconfirmed: [(sequence: UInt64, writtenAt: ContinuousClock.Instant)] = []

    /// Builds the TLS context now, so a bad CA or key file stops the server at start.
    package init(_ configuration: Configuration) throws {
        self.configuration = configuration
        self.context = try NIOSSLContext(configuration: configuration.tls)
    }

    package func send(_ lines: [AuditLogTail.Line]) async throws -> UInt64? {
        guard let last = lines.last else { return try settle() }
        let channel = try await connected()
        var buffer = channel.allocator.buffer(capacity: lines.count * 640)
        for line in lines {
            buffer.writeBytes(AuditSyslogMessage.framed(line.entry, line: line.bytes, hostname: configuration.hostname))
        }
        try await channel.writeAndFlush(buffer)
        unconfirmed.append((last.entry.sequence, .now))
        return try settle()
    }

    package func settle() throws -> UInt64? {
        guard let connection else { return nil }
        if let reason = connection.lost { throw SyslogSinkError.connectionLost(reason) }
        let now = ContinuousClock.now
        let confirmed = unconfirmed.prefix { now - $0.writtenAt >= Self.confirmationDelay }
        unconfirmed.removeFirst(confirmed.count)
        return confirmed.last?.sequence
    }

    package func reset() {
        channel?.close(promise: nil)
        channel = nil
        connection = nil
        unconfirmed = []
    }

    package func close() { reset() }

    private func connected() async throws -> any Channel {
        if let channel, let connection {
            if let reason = connection.lost { throw SyslogSinkError.connectionLost(reason) }
            return channel
        }
        let state = SyslogConnectionState()
        let context = self.context
        // SNI and the name check take names only: for an IP address the certificate is checked against the address.
        let serverName = configuration.serverName ?? ((try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil)
        let made = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: Self.tcpUserTimeout)), value: Self.userTimeoutMilliseconds)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(SyslogConnectionWatch(state: state))
                }
            }
            .connect(host: configuration.host, port: configuration.port).get()
        channel = made
        connection = state
        return made
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
