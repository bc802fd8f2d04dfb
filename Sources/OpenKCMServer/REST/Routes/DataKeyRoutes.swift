import Crypto
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
                let items = try await JSONBody.batch(from: request, context: context)
                guard (1...BatchBody.maximumItems).contains(items.count) else {
                    throw ProblemDetails(status: .badRequest, code: "request.batch_size",
                                         detail: "a batch holds 1 to \(BatchBody.maximumItems) items, got \(items.count)")
                }
                let tenant = try context.tenant()
                let service = try context.service()
                try await operations.authorize(action.operation, caller: context.caller, tenant: tenant, service: service)
                // One audit entry per item, written together before the answer: fail closed.
                var caller = context.caller
                let batch = AuditBatch()
                caller.auditBatch = batch
                var results: [DataKeyResult] = []
                results.reserveCapacity(items.count)
                for item in items {
                    let entriesBefore = batch.count
                    do {
                        results.append(try await run(action, item, tenant: tenant, service: service, caller: caller))
                    } catch {
                        // An item refused before its operation ran (bad base64, bad context) is audited too.
                        if batch.count == entriesBefore {
                            operations.auditItemRefusal(action.operation, caller: caller, tenant: tenant, service: service, error: error)
                        }
                        var problem = ProblemDetails.from(error)
                        problem.correlationId = context.caller.correlationID
                        results.append(DataKeyResult(error: problem))
                    }
                }
                try await operations.core.auditLog.append(contentsOf: batch.drain())
                var json: [UInt8] = Array(#"{"results":["#.utf8)
                for (index, result) in results.enumerated() {
                    if index > 0 { json.append(UInt8(ascii: ",")) }
                    json += try result.json()
                }
                return JSONBody.response(json: json + Array("]}".utf8))
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
