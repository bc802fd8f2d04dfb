import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// What a fake cloud service saw that its documentation does not allow; a
/// test ends by expecting none.
final class WireViolations: Sendable {
    private let list = Mutex<[String]>([])
    func record(_ text: String) { list.withLock { $0.append(text) } }
    var all: [String] { list.withLock { $0 } }
}

/// Runs `router` on a live loopback port and hands its base URL to `body`.
func withFakeService(_ router: Router<BasicRequestContext>, _ body: @escaping @Sendable (URL) async throws -> Void) async throws {
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        let port = try #require(client.port)
        try await body(URL(string: "http://127.0.0.1:\(port)")!)
    }
}

/// A JSON response with `status`.
func jsonResponse(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// The request body as a JSON object, or nil (and a violation) when it is not one.
func jsonBody(_ request: Request, _ violations: WireViolations) async throws -> [String: Any]? {
    if request.headers[.contentType]?.hasPrefix("application/json") != true {
        violations.record("\(request.method) \(request.uri.path): Content-Type is \(request.headers[.contentType] ?? "missing"), not application/json")
    }
    let buffer = try await request.body.collect(upTo: 1 << 20)
    guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
        violations.record("\(request.method) \(request.uri.path): the body is not a JSON object")
        return nil
    }
    return object
}

/// The request body as form fields, checking its content type.
func formBody(_ request: Request, _ violations: WireViolations) async throws -> [String: String] {
    if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") != true {
        violations.record("\(request.uri.path): Content-Type is \(request.headers[.contentType] ?? "missing"), not a form")
    }
    let buffer = try await request.body.collect(upTo: 1 << 20)
    var fields: [String: String] = [:]
    for pair in String(decoding: buffer.readableBytesView, as: UTF8.self).split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
        if parts.count == 2 { fields[parts[0]] = parts[1] }
    }
    return fields
}
