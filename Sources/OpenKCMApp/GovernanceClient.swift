import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
public import OpenKCMCore
public import OpenKCMServer

/// A regional core's connection to the governance plane (`--governance URL`):
/// `GET /v1/regions/<region>/snapshot` with its core identity's token, over
/// TLS trusting the configured CA (or the system's) unless the URL is
/// plain http on loopback.
public final class GovernanceClient: GovernanceSource {
    private let baseURL: String
    private let token: String
    private let http: HTTPClient

    /// Reads the token file now, so a missing or empty one stops the server at start.
    public init(_ connection: GovernanceConnection) throws {
        guard let url = URL(string: connection.url), let scheme = url.scheme, let host = url.host else {
            throw ConfigurationError.wrongType("governance.url", expected: "an https:// URL")
        }
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(host)
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw ConfigurationError.wrongType("governance.url", expected: "an https:// URL (plain http only on loopback): the core's token travels on it")
        }
        guard let text = try? String(contentsOfFile: connection.tokenFile, encoding: .utf8),
              case let token = text.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty
        else { throw ConfigurationError.wrongType("governance.token_file", expected: "a readable file holding the core identity's token") }
        self.token = token
        self.baseURL = connection.url.hasSuffix("/") ? String(connection.url.dropLast()) : connection.url
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = connection.caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
        if let certificateFile = connection.certificateFile, let keyFile = connection.keyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // What a redirect leads to is not the governance plane this core was pointed at.
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(3))
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func report(_ report: RegionReport) async throws {
        var request = HTTPClientRequest(url: "\(baseURL)/v1/regions/\(report.region)/status")
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(["tenants": report.tenants])))
        let response = try await http.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .noContent else {
            let detail = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["detail"] as? String
            throw GovernanceClientError(status: Int(response.status.code), detail: detail ?? "no detail")
        }
    }

    public func close() async {
        try? await http.shutdown()
    }

    public func snapshot(of region: RegionID, after: UInt64?, wait: Duration) async throws -> RegionSnapshot? {
        var url = "\(baseURL)/v1/regions/\(region)/snapshot"
        let seconds = Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0)
        if let after { url += "?after=\(after)&wait=\(seconds)" }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(Int64(seconds) + 10))
        let body = try await response.body.collect(upTo: 64 << 20)
        switch response.status {
        case .noContent:
            return nil
        case .ok:
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .custom { decoder in
                let text = try decoder.singleValueContainer().decode(String.self)
                guard let date = Timestamp.parse(text) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a timestamp: \(text)"))
                }
                return date
            }
            return try decoder.decode(RegionSnapshot.self, from: Data(body.readableBytesView))
        default:
            let detail = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["detail"] as? String
            throw GovernanceClientError(status: Int(response.status.code), detail: detail ?? "no detail")
        }
    }
}
