import Crypto
import DataKeyWire
import Foundation
import Hummingbird
import OpenKCMCore

/// `/v1/tenants/{tenant}/services/{service}/...`: data keys (execution plane).
/// Each operation also has a `/batch` form of up to 1,000 items, where an
/// item that fails carries its own problem and the others still succeed.
struct DataKeyRoutes {
    let operations: Operations

    enum Action: String, CaseIterable {
        case datakey, wrap, unwrap, rewrap

        var operation: OperationKind {
            switch self {
            case .datakey: .dataKeyGenerate
            case .wrap: .dataKeyWrap
            case .unwrap: .dataKeyUnwrap
            case .rewrap: .dataKeyRewrap
            }
        }
    }

    func register(on router: Router<OpenKCMRequestContext>) {
        // Revokes one data key of this service: its blob is refused from now on, and gateways drop their copies.
        // `/destroy` is the deprecated name (it never shredded anything) and answers both fields.
        for (path, deprecated) in [("revoke", false), ("destroy", true)] {
            router.post("/v1/tenants/:tenant/services/:service/\(path)") { request, context in
                let item = try await JSONBody.dataKeyItem(from: request, context: context)
                guard let wrapped = item.wrapped, let blob = Data(base64Encoded: wrapped), item.plaintext == nil, item.subject == nil else {
                    throw ProblemDetails(status: .badRequest, code: "request.invalid", detail: "'wrapped' must be the base64 wrapped data key, alone")
                }
                let digest = try await operations.revokeDataKey(blob, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
                let also = deprecated ? #""destroyed":true,"# : ""
                return JSONBody.response(json: Array(#"{\#(also)"digest":"\#(digest)","revoked":true}"#.utf8))
            }
        }
        // Crypto-shreds one subject: every data key bound to it is unrecoverable, from any copy.
        router.post("/v1/tenants/:tenant/services/:service/subjects/destroy") { request, context in
            let body = try await JSONBody.decode(SubjectBody.self, from: request, context: context)
            let subject = try SubjectID(body.subject)
            let name = try await operations.destroySubject(subject, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
            return JSONBody.response(json: Array(#"{"destroyed":true,"subject":"\#(name)"}"#.utf8))
        }
        for action in Action.allCases {
            router.post("/v1/tenants/:tenant/services/:service/\(action.rawValue)") { request, context in
                let item = try await JSONBody.dataKeyItem(from: request, context: context)
                let result = try await run(action, item, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
                return JSONBody.response(json: try result.json())
            }
            router.post("/v1/tenants/:tenant/services/:service/\(action.rawValue)/batch") { request, context in
                if Self.isBinaryBatch(request) { return try await binaryBatch(action, request, context: context) }
                let items = try await JSONBody.batch(from: request, context: context)
                guard (1...BatchBody.maximumItems).contains(items.count) else {
                    throw ProblemDetails(status: .badRequest, code: "request.batch_size",
                                         detail: "a batch holds 1 to \(BatchBody.maximumItems) items, got \(items.count)")
                }
                var json: [UInt8] = Array(#"{"results":["#.utf8)
                var first = true
                try await runBatch(action, items, context: context) { item, tenant, service, caller in
                    let result = try await run(action, item, tenant: tenant, service: service, caller: caller)
                    if !first { json.append(UInt8(ascii: ",")) }
                    first = false
                    json += try result.json()
                } failed: { problem in
                    if !first { json.append(UInt8(ascii: ",")) }
                    first = false
                    json += try DataKeyResult(error: problem).json()
                }
                return JSONBody.response(json: json + Array("]}".utf8))
            }
        }
    }

    /// Authorizes a batch once, then runs its items in order (``Operations/runBatch(_:_:tenant:service:caller:_:failed:)``).
    private func runBatch<Item>(
        _ action: Action, _ items: [Item], context: OpenKCMRequestContext,
        _ body: (Item, TenantID, ServiceID, Caller) async throws -> Void,
        failed: (ProblemDetails) throws -> Void
    ) async throws {
        let tenant = try context.tenant()
        let service = try context.service()
        try await operations.runBatch(action.operation, items, tenant: tenant, service: service, caller: context.caller) { item, caller in
            try await body(item, tenant, service, caller)
        } failed: { problem in
            try failed(problem)
        }
    }

    /// Compared byte by byte: this runs for every batch, and Foundation's
    /// splitting and trimming cost more than the rest of the routing.
    static func isBinaryBatch(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.utf8 else { return false }
        let media = DataKeyBatchWire.mediaType.utf8
        func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
        guard type.count >= media.count, zip(type, media).allSatisfy({ lower($0) == $1 }) else { return false }
        // Parameters may follow (`; charset=...`), nothing else.
        return type.dropFirst(media.count).first.map { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: " ") } ?? true
    }

    /// A gateway's batch in ``DataKeyBatchWire``'s binary form (``BinaryBatchResponder``).
    private func binaryBatch(_ action: Action, _ request: Request, context: OpenKCMRequestContext) async throws -> Response {
        let operation: BinaryBatchResponder.Operation
        switch action {
        case .wrap: operation = .wrap
        case .unwrap: operation = .unwrap
        case .rewrap: operation = .rewrap
        case .datakey:
            throw ProblemDetails(status: .unsupportedMediaType, code: "request.unsupported_media_type",
                                 detail: "\(DataKeyBatchWire.mediaType) is accepted by wrap/batch, unwrap/batch and rewrap/batch only")
        }
        // Collected without keeping it in the request, so this is the one copy to zero.
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        var body = Array(buffer.readableBytesView)
        // The body holds data keys to wrap: zero both copies once answered.
        buffer.withUnsafeMutableReadableBytes { $0.zeroize() }
        defer { body.zeroize() }
        var answer = try await BinaryBatchResponder(operations: operations).answer(
            operation, body: body, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
        // Hummingbird owns the ByteBuffer once answered: that copy cannot be zeroed here.
        let response = Response(status: .ok, headers: [.contentType: DataKeyBatchWire.mediaType], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
        answer.zeroize()
        return response
    }

    private func run(_ action: Action, _ item: DataKeyItem, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> DataKeyResult {
        let context = try JSONBody.context(item.context)
        let subject = try item.subject.map { try SubjectID($0) }
        switch action {
        case .datakey:
            try refuse(item.plaintext, "plaintext")
            try refuse(item.wrapped, "wrapped")
            let dataKey = try await operations.generateDataKey(tenant: tenant, service: service, context: context, subject: subject, caller: caller)
            return DataKeyResult(
                plaintext: dataKey.key.withUnsafeBytes { Data($0).base64EncodedString() },
                wrapped: dataKey.wrapped.base64EncodedString(),
                serviceKeyVersion: dataKey.serviceKeyVersion)
        case .wrap:
            try refuse(item.wrapped, "wrapped")
            var bytes = try JSONBody.base64(try required(item.plaintext, "plaintext"), field: "plaintext")
            defer { bytes.resetBytes(in: 0..<bytes.count) }
            let wrapped = try await operations.wrapDataKey(SymmetricKey(data: bytes), tenant: tenant, service: service, context: context, subject: subject, caller: caller)
            return DataKeyResult(wrapped: wrapped.base64EncodedString())
        case .unwrap:
            try refuse(item.plaintext, "plaintext")
            let blob = try JSONBody.base64(try required(item.wrapped, "wrapped"), field: "wrapped")
            let key = try await operations.unwrapDataKey(blob, tenant: tenant, service: service, context: context, subject: subject, caller: caller)
            return DataKeyResult(plaintext: key.withUnsafeBytes { Data($0).base64EncodedString() })
        case .rewrap:
            try refuse(item.plaintext, "plaintext")
            let blob = try JSONBody.base64(try required(item.wrapped, "wrapped"), field: "wrapped")
            let wrapped = try await operations.rewrapDataKey(blob, tenant: tenant, service: service, context: context, subject: subject, caller: caller)
            // Both versions, so an application counts the blobs it moved off an old L3 version.
            return DataKeyResult(wrapped: wrapped.base64EncodedString(),
                                 serviceKeyVersion: (try? WrappedKey(parsing: wrapped))?.header.keyVersion,
                                 fromServiceKeyVersion: (try? WrappedKey(parsing: blob))?.header.keyVersion)
        }
    }

    private func required(_ value: String?, _ field: String) throws -> String {
        guard let value else { throw ProblemDetails(status: .badRequest, code: "request.missing_field", detail: "'\(field)' is required") }
        return value
    }

    private func refuse(_ value: String?, _ field: String) throws {
        guard value == nil else { throw ProblemDetails(status: .badRequest, code: "request.unexpected_field", detail: "'\(field)' does not belong here") }
    }
}
