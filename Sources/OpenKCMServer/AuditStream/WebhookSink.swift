import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import NIOSSL
import OpenKCMCore

/// Delivers audit entries to an HTTPS endpoint (a SIEM's collector) in
/// batches: one `POST` per batch whose body is a JSON array of the entries
/// exactly as the local chain stores them. A 2xx answer acknowledges the
/// whole batch; anything else, or no answer, is retried by the stream.
///
/// Each request carries `Idempotency-Key: <node>:<first>-<last>` (the
/// sequences it holds) so a collector can drop a batch sent again after an
/// answer was lost, and `Authorization: Bearer` when a token is configured.
/// Redirects are not followed: entries go where the configuration says.
package final class WebhookSink: AuditSink {
    /// `[audit.webhook]`.
    public struct Configuration: Sendable {
        public var url: URL
        /// The collector's CA, when not a public one.
        public var tls: TLSConfiguration
        /// Sent as `Authorization: Bearer`; read from `token_file` at start.
        public var token: String?
        /// Entries per request, at most.
        public var batchSize: Int
        /// This node's id, in the idempotency key (replicas each stream their own chain).
        public var node: String

        public init(url: URL, tls: TLSConfiguration, token: String? = nil, batchSize: Int = 500, node: String) {
            self.url = url
            self.tls = tls
            self.token = token
            self.batchSize = batchSize
            self.node = node
        }
    }

    package let name = "webhook"
    let configuration: Configuration
    let http: HTTPClient

    package init(_ configuration: Configuration) {
        self.configuration = configuration
        var settings = HTTPClient.Configuration(tlsConfiguration: configuration.tls)
        settings.redirectConfiguration = .disallow
        settings.timeout = .init(connect: .seconds(5), read: .seconds(30))
        settings.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    package func send(_ lines: [AuditLogTail.Line]) async throws -> UInt64? {
        guard let first = lines.first, let last = lines.last else { return nil }
        var body = ByteBuffer()
        body.reserveCapacity(lines.reduce(2) { $0 + $1.bytes.count + 1 })
        body.writeInteger(UInt8(ascii: "["))
        for (index, line) in lines.enumerated() {
            if index > 0 { body.writeInteger(UInt8(ascii: ",")) }
            body.writeBytes(line.bytes)
        }
        body.writeInteger(UInt8(ascii: "]"))
        var request = HTTPClientRequest(url: configuration.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: "\(configuration.node):\(first.entry.sequence)-\(last.entry.sequence)")
        if let token = configuration.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .seconds(30))
        // The answer's body says nothing the stream needs; read a little so the connection can be kept.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else { throw WebhookSinkError(status: Int(response.status.code)) }
        return last.entry.sequence
    }

    /// Every batch is acknowledged when answered: nothing waits to be confirmed.
    package func settle() async throws -> UInt64? { nil }

    package func reset() async {}

    package func close() async {
        try? await http.shutdown()
    }
}

/// The collector answered a batch with something other than 2xx.
package struct WebhookSinkError: Error, CustomStringConvertible {
    package let status: Int
    package var description: String { "the webhook answered HTTP \(status)" }
}
