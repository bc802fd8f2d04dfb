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
        // Crypto-shreds one data key: its blob never unwraps again, and gateways drop their copies.
        router.post("/v1/tenants/:tenant/services/:service/destroy") { request, context in
            let item = try await JSONBody.dataKeyItem(from: request, context: context)
            guard let wrapped = item.wrapped, let blob = Data(base64Encoded: wrapped) else {
                throw ProblemDetails(status: .badRequest, code: "request.invalid", detail: "'wrapped' must be the base64 wrapped data key")
            }
            let digest = try await operations.destroyDataKey(blob, tenant: try context.tenant(), service: try context.service(), caller: context.caller)
            return JSONBody.response(json: Array(#"{"destroyed":true,"digest":"\#(digest)"}"#.utf8))
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

    /// Authorizes a batch once, then runs its items in order. Every item is
    /// audited; items that ended alike share one entry with their count.
    private func runBatch<Item>(
        _ action: Action, _ items: [Item], context: OpenKCMRequestContext,
        _ body: (Item, TenantID, ServiceID, Caller) async throws -> Void,
        failed: (ProblemDetails) throws -> Void
    ) async throws {
        try await auditedBatch(action, context: context) { tenant, service, caller, batch in
            for item in items {
                let entriesBefore = batch.count
                do {
                    try await body(item, tenant, service, caller)
                } catch {
                    // An item refused before its operation ran (bad base64, bad context) is audited too.
                    if batch.count == entriesBefore {
                        operations.auditItemRefusal(action.operation, caller: caller, tenant: tenant, service: service, error: error)
                    }
                    var problem = ProblemDetails.from(error)
                    problem.correlationId = context.caller.correlationID
                    try failed(problem)
                }
            }
        }
    }

    /// A batch's frame: one authorization, a caller whose audit entries are
    /// collected, and those entries written together before the answer (fail closed).
    private func auditedBatch<Result>(
        _ action: Action, context: OpenKCMRequestContext, _ body: (TenantID, ServiceID, Caller, AuditBatch) async throws -> Result
    ) async throws -> Result {
        let tenant = try context.tenant()
        let service = try context.service()
        try await operations.authorize(action.operation, caller: context.caller, tenant: tenant, service: service)
        var caller = context.caller
        let batch = AuditBatch()
        caller.auditBatch = batch
        let result = try await body(tenant, service, caller, batch)
        try await operations.core.auditLog.append(contentsOf: batch.drain())
        return result
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

    /// A gateway's batch in ``DataKeyBatchWire``'s binary form: the same
    /// operation, authorization and audit as the JSON batch, without base64
    /// or JSON on either side. Only wrap and unwrap have this form.
    private func binaryBatch(_ action: Action, _ request: Request, context: OpenKCMRequestContext) async throws -> Response {
        guard action == .wrap || action == .unwrap else {
            throw ProblemDetails(status: .unsupportedMediaType, code: "request.unsupported_media_type",
                                 detail: "\(DataKeyBatchWire.mediaType) is accepted by wrap/batch and unwrap/batch only")
        }
        // Collected without keeping it in the request, so this is the one copy to zero.
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        var body = Array(buffer.readableBytesView)
        // The body holds data keys to wrap: zero both copies once answered.
        buffer.withUnsafeMutableReadableBytes { $0.zeroize() }
        defer { body.zeroize() }
        var decoded: DataKeyBatchRequest
        do {
            decoded = try DataKeyBatchRequest(decoding: body)
        } catch {
            if case .itemCount = error { throw ProblemDetails(status: .badRequest, code: "request.batch_size", detail: error.description) }
            throw ProblemDetails(status: .badRequest, code: "request.invalid_batch", detail: error.description)
        }
        var outcomes: [BinaryOutcome] = []
        outcomes.reserveCapacity(decoded.items.count)
        if action == .wrap {
            outcomes = try await binaryWraps(decoded.items, context: context)
        } else {
            try await runBatch(action, decoded.items, context: context) { item, tenant, service, caller in
                let encryptionContext = try EncryptionContext(canonical: item.context)
                outcomes.append(.key(try await operations.unwrapDataKey(Data(item.value), tenant: tenant, service: service,
                                                                         context: encryptionContext, caller: caller)))
            } failed: { problem in
                outcomes.append(.problem(problem))
            }
        }
        // The slices share the body's storage: drop them so the body is zeroed in place.
        decoded.items = []
        // Sized first, so the answer's array never grows (and leaves copies of keys behind), then zeroed.
        var answer = try DataKeyBatchAnswerWriter(count: outcomes.count, reserving: outcomes.reduce(0) { $0 + $1.encodedSize })
        for outcome in outcomes {
            switch outcome {
            case .blob(let blob): try answer.appendValue(blob)
            case .key(let key): try key.withUnsafeBytes { bytes in try answer.appendValue(bytes) }
            case .problem(let problem): answer.appendProblem(status: problem.status, code: problem.code, detail: problem.detail)
            }
        }
        // Hummingbird owns the ByteBuffer once answered: that copy cannot be zeroed here.
        let response = Response(status: .ok, headers: [.contentType: DataKeyBatchWire.mediaType],
                                body: .init(byteBuffer: ByteBuffer(bytes: answer.bytes)))
        answer.bytes.zeroize()
        return response
    }

    /// One item's answer in a binary batch.
    private enum BinaryOutcome {
        case blob([UInt8])
        /// Kept as a `SymmetricKey` (zeroed when released) until written.
        case key(SymmetricKey)
        case problem(ProblemDetails)

        var encodedSize: Int {
            switch self {
            case .blob(let blob): DataKeyBatchAnswerWriter.valueSize(blob.count)
            case .key(let key): DataKeyBatchAnswerWriter.valueSize(key.bitCount / 8)
            case .problem(let problem): DataKeyBatchAnswerWriter.problemSize(code: problem.code, detail: problem.detail)
            }
        }
    }

    /// The wraps of a binary batch in one call to the key chain. An item
    /// whose context is not canonical fails alone; every item is audited in
    /// the request's order.
    private func binaryWraps(_ items: [DataKeyBatchRequest.Item], context: OpenKCMRequestContext) async throws -> [BinaryOutcome] {
        let readable = items.map { item in
            Result { () throws(EnvelopeError) in (key: SymmetricKey(data: item.value), context: try EncryptionContext(canonical: item.context)) }
                .mapError { $0 as any Error }
        }
        let wrapped = try await auditedBatch(.wrap, context: context) { tenant, service, caller, _ in
            try await operations.wrapDataKeys(readable, tenant: tenant, service: service, caller: caller)
        }
        return wrapped.map { result -> BinaryOutcome in
            switch result {
            case .success(let blob): return .blob(blob)
            case .failure(let error):
                var problem = ProblemDetails.from(error)
                problem.correlationId = context.caller.correlationID
                return .problem(problem)
            }
        }
    }

    private func run(_ action: Action, _ item: DataKeyItem, tenant: TenantID, service: ServiceID, caller: Caller) async throws -> DataKeyResult {
        let context = try JSONBody.context(item.context)
        switch action {
        case .datakey:
            try refuse(item.plaintext, "plaintext")
            try refuse(item.wrapped, "wrapped")
            let dataKey = try await operations.generateDataKey(tenant: tenant, service: service, context: context, caller: caller)
            return DataKeyResult(
                plaintext: dataKey.key.withUnsafeBytes { Data($0).base64EncodedString() },
                wrapped: dataKey.wrapped.base64EncodedString(),
                serviceKeyVersion: dataKey.serviceKeyVersion)
        case .wrap:
            try refuse(item.wrapped, "wrapped")
            var bytes = try JSONBody.base64(try required(item.plaintext, "plaintext"), field: "plaintext")
            defer { bytes.resetBytes(in: 0..<bytes.count) }
            let wrapped = try await operations.wrapDataKey(SymmetricKey(data: bytes), tenant: tenant, service: service, context: context, caller: caller)
            return DataKeyResult(wrapped: wrapped.base64EncodedString())
        case .unwrap:
            try refuse(item.plaintext, "plaintext")
            let blob = try JSONBody.base64(try required(item.wrapped, "wrapped"), field: "wrapped")
            let key = try await operations.unwrapDataKey(blob, tenant: tenant, service: service, context: context, caller: caller)
            return DataKeyResult(plaintext: key.withUnsafeBytes { Data($0).base64EncodedString() })
        case .rewrap:
            try refuse(item.plaintext, "plaintext")
            let blob = try JSONBody.base64(try required(item.wrapped, "wrapped"), field: "wrapped")
            let wrapped = try await operations.rewrapDataKey(blob, tenant: tenant, service: service, context: context, caller: caller)
            return DataKeyResult(wrapped: wrapped.base64EncodedString())
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
