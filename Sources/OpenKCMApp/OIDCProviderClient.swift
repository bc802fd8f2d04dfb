import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import OpenKCMServer
import ServiceLifecycle

/// The identity provider's documents over HTTPS (AsyncHTTPClient), for
/// ``OIDCAuthenticator``; a service so its client is shut down with the server.
final class OIDCProviderClient: OIDCProviderDocuments, Service {
    private let http: HTTPClient

    init(configuration: OIDCConfiguration) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = configuration.caFile {
            let authorities = try NIOSSLCertificate.fromPEMFile(caFile)
            guard !authorities.isEmpty else { throw ConfigurationError.wrongType("oidc.ca_file", expected: "a PEM file with CA certificates") }
            tls.trustRoots = .certificates(authorities)
        }
        var settings = HTTPClient.Configuration(tlsConfiguration: tls)
        // The keys come from where discovery said, and nowhere a redirect leads.
        settings.redirectConfiguration = .disallow
        settings.timeout = .init(connect: .seconds(3), read: .seconds(5))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    func document(at url: String) async throws -> [UInt8] {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw OIDCProviderClientError(url: url, status: Int(response.status.code)) }
        return Array(body.readableBytesView)
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await http.shutdown()
    }
}
