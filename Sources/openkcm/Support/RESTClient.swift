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
    /// Whether a key operation sent to the governance plane is sent on, once,
    /// to the core of the service's region that its 421 answer names.
    var followsRegion = true

    /// Sends a request and returns the decoded JSON object (empty for 204).
    enum Method: String {
        case GET, POST, PUT, DELETE
    }

    /// Several servers (replicas of one core) are given comma-separated in
    /// `address`: a request goes to the first, and to the next when it could
    /// not be sent (no connection). A read (GET), and a change sent with an
    /// `Idempotency-Key` (every change but init, unseal, seal and key
    /// imports), also move on when a server answers 503 (sealed, or cut from
    /// its database) or drops the connection after the request was sent: the
    /// key makes the server apply it once and give the first answer again.
    /// Init, unseal, seal and key imports are never sent again once they may
    /// have reached a server.
    func call(_ method: Method, _ path: String, body: [String: Any]? = nil) async throws -> [String: Any] {
        let data = try await exchange(method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) }, contentType: "application/json")
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// ``call(_:_:body:)`` with bytes in and out (a backup), failing over the same way;
    /// a problem+json answer is still turned into a ``CLIFailure``.
    func exchange(
        _ method: Method, _ path: String, body: Data?, contentType: String, limit: Int = 64 * 1024 * 1024, timeout: TimeAmount = .seconds(30)
    ) async throws -> Data {
        let addresses = address.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var failures: [String] = []
        // A change the server keeps an outcome for carries a key of its own: sent again with it (to the next
        // replica) it is not applied twice, and the first answer comes back. Not kept: init, unseal and seal
        // (/v1/sys), key imports (/v1/keystores), and audit checks, which change nothing and are safe to resend.
        let keptOutcome = !["/v1/sys/", "/v1/keystores/", "/v1/audit"].contains { path.hasPrefix($0) }
        let idempotencyKey = method != .GET && keptOutcome ? UUID().uuidString.lowercased() : nil
        let safeToResend = method == .GET || idempotencyKey != nil || path.hasPrefix("/v1/audit")
        for (index, server) in addresses.enumerated() {
            let last = index == addresses.count - 1
            var request = HTTPClientRequest(url: server + path)
            request.method = HTTPMethod(rawValue: method.rawValue)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            if let body {
                request.headers.add(name: "Content-Type", value: contentType)
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response: HTTPClientResponse
            do {
                response = try await Self.http.execute(request, timeout: timeout)
            } catch {
                failures.append("\(server): \(error)")
                if !last && (Self.wasNotSent(error) || safeToResend) { continue }
                if Self.wasNotSent(error) || method == .GET {
                    throw CLIFailure("cannot reach the OpenKCM server at \(failures.joined(separator: "; "))", exitCode: 4)
                }
                throw CLIFailure("the connection to \(server) failed after the request was sent, so it may or may not have been applied; check before sending it again (\(failures.joined(separator: "; ")))", exitCode: 4)
            }
            let buffer = try await response.body.collect(upTo: limit)
            let data = Data(buffer.readableBytesView)
            guard (200..<300).contains(Int(response.status.code)) else {
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                // A read asked of a server that cannot serve now is asked of the next one.
                // A change refused with 503 did not run (a sealed node, one cut from its database): the next may run it.
                if response.status == .serviceUnavailable && safeToResend && !last { failures.append("\(server): 503"); continue }
                // A key operation sent to the governance plane: it names the core of the service's region; sent there once.
                if response.status.code == 421, followsRegion, let location = object["location"] as? String, location.hasSuffix(path),
                   case let core = String(location.dropLast(path.count)), Self.mayCarryToken(core) {
                    Console.error("the governance plane sends this to the core of region \(object["region"] as? String ?? "?"): \(core)")
                    var regional = RESTClient(address: core, token: token, output: output)
                    regional.followsRegion = false
                    return try await regional.exchange(method, path, body: body, contentType: contentType, limit: limit, timeout: timeout)
                }
                let detail = object["detail"] as? String ?? response.status.reasonPhrase
                let code = object["code"] as? String ?? "http.\(response.status.code)"
                let correlation = (object["correlationId"] as? String).map { " (correlation id \($0))" } ?? ""
                throw CLIFailure("\(detail) [\(code)]\(correlation)", exitCode: response.status.code >= 500 ? 3 : 1)
            }
            // Four-eyes: nothing ran yet; the act waits for approvals.
            if response.status == .accepted, let approval = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["approval"] as? [String: Any] {
                throw CLIPending(approval: approval)
            }
            return data
        }
        throw CLIFailure("no OpenKCM server address given", exitCode: 4)
    }

    /// Whether the token may be sent to `address`: https, or plain http on loopback only.
    static func mayCarryToken(_ address: String) -> Bool {
        guard let url = URL(string: address), let host = url.host else { return false }
        return url.scheme == "https" || (url.scheme == "http" && ["127.0.0.1", "::1", "localhost"].contains(host))
    }

    /// Whether `error` means the request never left: no connection could be made.
    static func wasNotSent(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        // Only a refused connection: an unreachable host can also be reported on a connected socket after the request went.
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        return false
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
    } catch let pending as CLIPending {
        Console.error(pending.description)
        throw ExitCode(CLIPending.exitCode)
    }
}
