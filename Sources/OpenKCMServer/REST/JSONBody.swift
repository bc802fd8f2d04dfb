import Foundation
import Hummingbird
import OpenKCMCore

/// A request body: decoded strictly. Unknown fields are refused, so a typo in
/// a security setting is an error, not a silent default.
protocol RequestBody: Decodable {
    static var fields: Set<String> { get }
}

enum JSONBody {
    static func decode<Body: RequestBody>(_ type: Body.Type, from request: Request, context: OpenKCMRequestContext) async throws -> Body {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let data = Data(buffer.readableBytesView)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "the body must be a JSON object")
        }
        let unknown = Set(object.keys).subtracting(Body.fields)
        guard unknown.isEmpty else {
            throw ProblemDetails(status: .badRequest, code: "request.unknown_field", detail: "unknown field(s): \(unknown.sorted().joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "the body does not match the expected JSON shape")
        }
    }

    /// An empty body is allowed where an operation takes none.
    static func decodeOptional<Body: RequestBody>(_ type: Body.Type, from request: Request, context: OpenKCMRequestContext) async throws -> Body? {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        var copy = request
        copy.body = .init(buffer: buffer)
        return try await decode(type, from: copy, context: context)
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }

    static func base64(_ text: String, field: String) throws -> Data {
        guard let data = Data(base64Encoded: text) else {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_base64", detail: "'\(field)' is not valid base64")
        }
        return data
    }

    static func context(_ pairs: [String: String]?) throws -> EncryptionContext {
        try EncryptionContext(pairs ?? [:])
    }
}
