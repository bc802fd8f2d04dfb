import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The gateway's calls to the core: batched wrap and unwrap, and the event
/// stream, all with the crypto identity's token.
struct CoreConnection: Sendable {
    let configuration: GatewayConfiguration
    let client: HTTPClient

    struct Item: Sendable {
        /// base64: the key to wrap, or the wrapped blob.
        var value: String
        var context: [String: String]

        /// The most the item can add to a batch body: JSON escaping writes a context byte as up to 6.
        @Sendable static func encodedSize(_ item: Item) -> Int {
            item.value.utf8.count + item.context.reduce(48) { $0 + 6 * ($1.key.utf8.count + $1.value.utf8.count) + 8 }
        }
    }

    private var base: String {
        "\(configuration.coreURL)/v1/tenants/\(configuration.tenant)/services/\(configuration.service)"
    }

    private struct BatchItem: Encodable {
        var plaintext: String?
        var wrapped: String?
        var context: [String: String]
    }

    private struct BatchRequest: Encodable { var items: [BatchItem] }

    private struct BatchAnswer: Decodable {
        struct Problem: Decodable { var status: Int?; var code: String?; var detail: String? }
        struct Result: Decodable { var plaintext: String?; var wrapped: String?; var error: Problem? }
        var results: [Result]
    }

    /// `POST .../wrap/batch` or `.../unwrap/batch`; each item's base64 answer (`wrapped` or `plaintext`) or its problem.
    func batch(_ operation: String, _ items: [Item]) async -> [Result<String, GatewayError>] {
        let wrapping = operation == "wrap"
        let body = BatchRequest(items: items.map { wrapping ? BatchItem(plaintext: $0.value, context: $0.context) : BatchItem(wrapped: $0.value, context: $0.context) })
        let failure = { (error: GatewayError) in [Result<String, GatewayError>](repeating: .failure(error), count: items.count) }
        do {
            var request = HTTPClientRequest(url: "\(base)/\(operation)/batch")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            let response = try await client.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            guard response.status == .ok else {
                let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
                return failure(Self.problem(json, status: Int(response.status.code)))
            }
            let answer = try JSONDecoder().decode(BatchAnswer.self, from: Data(bytes.readableBytesView))
            guard answer.results.count == items.count else { return failure(.unavailable("the core's batch answer does not match the request")) }
            return answer.results.map { result in
                if let problem = result.error {
                    let status = problem.status ?? 500
                    return .failure(GatewayError(status: status, code: problem.code ?? "core.http_\(status)", detail: problem.detail ?? "HTTP \(status)"))
                }
                guard let value = wrapping ? result.wrapped : result.plaintext else { return .failure(.unavailable("the core's answer lacks a value")) }
                return .success(value)
            }
        } catch {
            return failure(.unavailable("the core did not answer: \(error)"))
        }
    }

    /// `POST .../destroy`: one data key crypto-shredded at the core.
    func destroy(_ wrapped: String) async -> Result<Void, GatewayError> {
        do {
            var request = HTTPClientRequest(url: "\(base)/destroy")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["wrapped": wrapped])))
            let response = try await client.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else {
                let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
                return .failure(Self.problem(json, status: Int(response.status.code)))
            }
            return .success(())
        } catch {
            return .failure(.unavailable("the core did not answer: \(error)"))
        }
    }

    static func problem(_ json: [String: Any], status: Int) -> GatewayError {
        GatewayError(status: status, code: json["code"] as? String ?? "core.http_\(status)", detail: json["detail"] as? String ?? "HTTP \(status)")
    }

    /// The core's event stream: each event's name as it arrives (`hello` first,
    /// `keep-alive` for the core's periodic comment). Ends when the connection does.
    func events() -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var request = HTTPClientRequest(url: "\(base)/events")
                    request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
                    request.headers.add(name: "Accept", value: "text/event-stream")
                    let response = try await client.execute(request, timeout: .hours(24 * 365))
                    guard response.status == .ok else {
                        let bytes = try await response.body.collect(upTo: 1 << 16)
                        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
                        throw Self.problem(json, status: Int(response.status.code))
                    }
                    var pending = ""
                    for try await buffer in response.body {
                        pending += String(decoding: buffer.readableBytesView, as: UTF8.self)
                        while let end = pending.range(of: "\n\n") {
                            let message = pending[..<end.lowerBound]
                            pending = String(pending[end.upperBound...])
                            for line in message.split(separator: "\n") {
                                if line.hasPrefix("event: ") { continuation.yield(String(line.dropFirst(7))) }
                                // The core's comment every 15 s: the stream is alive.
                                if line.hasPrefix(":") { continuation.yield("keep-alive") }
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
