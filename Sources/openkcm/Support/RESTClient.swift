import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The CLI's REST client: JSON in, JSON out, problem+json turned into a clear
/// message and an exit code (1: refused or invalid, 3: server unavailable or
/// failing, 4: cannot connect).
struct RESTClient {
    let address: String
    let token: String?
    let output: OutputFormat

    /// Sends a request and returns the decoded JSON object (empty for 204).
    enum Method: String {
        case GET, POST, PUT, DELETE
    }

    func call(_ method: Method, _ path: String, body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: address + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, timeout: .seconds(30))
        } catch {
            throw CLIFailure("cannot reach the OpenKCM server at \(address) (\(error))", exitCode: 4)
        }
        let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let data = Data(buffer.readableBytesView)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard (200..<300).contains(Int(response.status.code)) else {
            let detail = object["detail"] as? String ?? response.status.reasonPhrase
            let code = object["code"] as? String ?? "http.\(response.status.code)"
            let correlation = (object["correlationId"] as? String).map { " (correlation id \($0))" } ?? ""
            throw CLIFailure("\(detail) [\(code)]\(correlation)", exitCode: response.status.code >= 500 ? 3 : 1)
        }
        return object
    }

    /// Prints `object` as JSON, or as the table `rows` describe.
    func show(_ object: [String: Any], table: () -> [[String]]) {
        switch output {
        case .json:
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
            Console.out(String(decoding: data, as: UTF8.self))
        case .table:
            Console.out(Table.render(table()))
        }
    }

    /// A CLI call fails fast when nothing listens: no connection retries.
    /// `OPENKCM_CACERT` names a PEM file of CAs to trust for an `https://` server (as `VAULT_CACERT` does for Vault).
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        if let caFile = ProcessInfo.processInfo.environment["OPENKCM_CACERT"], !caFile.isEmpty {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }
}

/// A CLI failure: a message for stderr and the process exit code.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// Runs a command body and turns a ``CLIFailure`` into "Error: ..." on stderr and its exit code.
func runReporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CLIFailure {
        Console.error("Error: \(failure.description)")
        throw ExitCode(failure.exitCode)
    }
}
