import Foundation
import NIOCore
import NIOSSL
package import OpenKCMServer
import OpenKCMTLS

/// `[audit.syslog]` and `[audit.webhook]`: where the audit stream goes.
///
/// ```toml
/// [audit.syslog]                  # RFC 5424 over TLS (RFC 5425)
/// address = "siem.internal:6514"
/// ca_file = "/etc/openkcm/siem-ca.pem"
/// certificate_file = "/etc/openkcm/node.pem"   # optional: for a receiver that asks for one
/// key_file = "/etc/openkcm/node.key"
/// server_name = "siem.internal"   # optional: the name its certificate carries
/// hostname = "kcm-eu-1"           # optional: HOSTNAME in each message (default: this host's name)
///
/// [audit.webhook]                 # batches of entries, POSTed as a JSON array
/// url = "https://siem.internal/openkcm/audit"   # http:// only to a loopback address
/// ca_file = "/etc/openkcm/siem-ca.pem"          # optional: else the system's trust store
/// token_file = "/etc/openkcm/siem.token"        # optional: sent as Authorization: Bearer
/// batch_size = 500                              # entries per request, 1 to 5000
/// ```
package enum AuditStreamSettings {
    /// The syslog receiver, or nil when `[audit.syslog]` is absent. Reads the certificate files now: a bad one stops the server at start.
    package static func syslog(_ file: ConfigurationFile) throws -> SyslogSink.Configuration? {
        guard let address = try file.string("audit.syslog.address") else {
            if let stray = ConfigurationFile.knownKeys.sorted().first(where: { $0.hasPrefix("audit.syslog.") && file.values[$0] != nil }) {
                throw ConfigurationError.wrongType("audit.syslog.address", expected: "set (host:port) when \(stray) is")
            }
            return nil
        }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port) else {
            throw ConfigurationError.wrongType("audit.syslog.address", expected: "host:port")
        }
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard let caFile = try file.string("audit.syslog.ca_file") else {
            throw ConfigurationError.wrongType("audit.syslog.ca_file", expected: "the PEM file of the CA that signed the receiver's certificate (syslog goes over TLS only)")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = ServerTLSPolicy.tls12CipherSuites
        let authorities = try NIOSSLCertificate.fromPEMFile(caFile)
        guard !authorities.isEmpty else { throw ConfigurationError.wrongType("audit.syslog.ca_file", expected: "a PEM file with CA certificates") }
        tls.trustRoots = .certificates(authorities)
        switch (try file.string("audit.syslog.certificate_file"), try file.string("audit.syslog.key_file")) {
        case (nil, nil): break
        case (let certificate?, let key?):
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        default:
            throw ConfigurationError.wrongType("audit.syslog.certificate_file", expected: "given together with audit.syslog.key_file")
        }
        let hostname = try file.string("audit.syslog.hostname") ?? ProcessInfo.processInfo.hostName
        return SyslogSink.Configuration(
            host: host, port: port, tls: tls, serverName: try file.string("audit.syslog.server_name"), hostname: hostname)
    }

    /// The webhook, or nil when `[audit.webhook]` is absent. `node` names this node in each batch's idempotency key.
    package static func webhook(_ file: ConfigurationFile, node: String) throws -> WebhookSink.Configuration? {
        guard let address = try file.string("audit.webhook.url") else {
            if let stray = ConfigurationFile.knownKeys.sorted().first(where: { $0.hasPrefix("audit.webhook.") && file.values[$0] != nil }) {
                throw ConfigurationError.wrongType("audit.webhook.url", expected: "set when \(stray) is")
            }
            return nil
        }
        guard let url = URL(string: address), let host = url.host, ["https", "http"].contains(url.scheme ?? "") else {
            throw ConfigurationError.wrongType("audit.webhook.url", expected: "an https:// URL")
        }
        // Audit entries name tenants, identities and operations: they cross the network encrypted.
        if url.scheme == "http" && !["127.0.0.1", "::1", "[::1]", "localhost"].contains(host) {
            throw ConfigurationError.wrongType("audit.webhook.url", expected: "an https:// URL (http:// only to a loopback address)")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = ServerTLSPolicy.tls12CipherSuites
        if let caFile = try file.string("audit.webhook.ca_file") {
            let authorities = try NIOSSLCertificate.fromPEMFile(caFile)
            guard !authorities.isEmpty else { throw ConfigurationError.wrongType("audit.webhook.ca_file", expected: "a PEM file with CA certificates") }
            tls.trustRoots = .certificates(authorities)
        }
        var token: String?
        if let tokenFile = try file.string("audit.webhook.token_file") {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw ConfigurationError.unreadable(tokenFile) }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let batchSize = try file.integer("audit.webhook.batch_size") ?? 500
        guard (1...5000).contains(batchSize) else { throw ConfigurationError.wrongType("audit.webhook.batch_size", expected: "1 to 5000") }
        return WebhookSink.Configuration(url: url, tls: tls, token: token, batchSize: batchSize, node: node)
    }
}
