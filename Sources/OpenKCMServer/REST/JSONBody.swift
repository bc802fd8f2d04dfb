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
        _ = try object(data, fields: Body.fields)
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "the body does not match the expected JSON shape")
        }
    }

    /// The body as a JSON object whose keys are all in `fields`.
    static func object(_ data: Data, fields: Set<String>) throws -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "the body must be a JSON object")
        }
        let unknown = Set(object.keys).subtracting(fields)
        guard unknown.isEmpty else {
            throw ProblemDetails(status: .badRequest, code: "request.unknown_field", detail: "unknown field(s): \(unknown.sorted().joined(separator: ", "))")
        }
        return object
    }

    /// The data-key routes' bodies, read straight from the parsed object: one
    /// JSON pass instead of two on the hottest path.
    static func dataKeyItem(_ object: [String: Any]) throws -> DataKeyItem {
        func string(_ key: String) throws -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value as? String else { throw invalid("'\(key)' must be a string") }
            return text
        }
        var context: [String: String]?
        if let value = object["context"] {
            guard let pairs = value as? [String: Any] else { throw invalid("'context' must be an object of strings") }
            context = try pairs.mapValues { value in
                guard let text = value as? String else { throw invalid("'context' values must be strings") }
                return text
            }
        }
        return DataKeyItem(context: context, plaintext: try string("plaintext"), wrapped: try string("wrapped"), subject: try string("subject"))
    }

    static func dataKeyItem(from request: Request, context: OpenKCMRequestContext) async throws -> DataKeyItem {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return try dataKeyItem(try object(Data(buffer.readableBytesView), fields: DataKeyItem.fields))
    }

    static func batch(from request: Request, context: OpenKCMRequestContext) async throws -> [DataKeyItem] {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let body = try object(Data(buffer.readableBytesView), fields: BatchBody.fields)
        guard let items = body["items"] as? [Any] else { throw invalid("'items' must be an array") }
        return try items.map { item in
            guard let object = item as? [String: Any] else { throw invalid("each item must be an object") }
            let unknown = Set(object.keys).subtracting(DataKeyItem.fields)
            guard unknown.isEmpty else {
                throw ProblemDetails(status: .badRequest, code: "request.unknown_field", detail: "unknown item field(s): \(unknown.sorted().joined(separator: ", "))")
            }
            return try dataKeyItem(object)
        }
    }

    private static func invalid(_ detail: String) -> ProblemDetails {
        ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: detail)
    }

    /// A JSON answer already serialized.
    static func response(json: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        response(json: try encoded(value), status: status)
    }

    /// `value` as every answer writes JSON: sorted keys, unescaped slashes, ``Timestamp`` dates.
    static func encoded(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return Array(try encoder.encode(value))
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
