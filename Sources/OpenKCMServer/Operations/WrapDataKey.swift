public import Crypto
public import Foundation
import HTTPTypes
public import OpenKCMCore

extension Operations {
    /// Wraps an L4 made at the edge under the service's current L3 (execution),
    /// and under `subject`'s secret if one is named. The audit entry names the
    /// subject by its digest.
    public func wrapDataKey(
        _ key: SymmetricKey, tenant: TenantID, service: ServiceID, context: EncryptionContext, subject: SubjectID? = nil, caller: Caller
    ) async throws -> Data {
        try await perform(.dataKeyWrap, caller: caller, tenant: tenant, service: service, key: await auditKey(subject, .dataKeyWrap, caller: caller, tenant: tenant, service: service)) { core in
            try await core.keyChain.wrapDataKey(key, tenant: tenant, service: service, context: context, subject: subject)
        }
    }

    /// Wraps a gateway's batch of L4s (execution): one authorization and one
    /// L3 lookup for all, each item with its own outcome; an item that could
    /// not be read (`.failure`) fails alone. Every item is audited in order.
    public func wrapDataKeys(
        _ items: [Result<(key: SymmetricKey, context: EncryptionContext), any Error>], tenant: TenantID, service: ServiceID, caller: Caller
    ) async throws -> [Result<[UInt8], any Error>] {
        let readable = items.compactMap { try? $0.get() }
        var wrapped: [Result<[UInt8], any Error>]
        do {
            let core = try admit(.dataKeyWrap, caller: caller, tenant: tenant, service: service)
            wrapped = readable.isEmpty ? [] : try await core.keyChain.wrapDataKeys(readable, tenant: tenant, service: service).map { $0.mapError { $0 } }
        } catch let auditError as AuditLogError {
            throw auditError
        } catch {
            wrapped = Array(repeating: .failure(error), count: readable.count)
        }
        var next = wrapped.makeIterator()
        let results: [Result<[UInt8], any Error>] = items.map { item in
            switch item {
            case .failure(let error): .failure(error)
            case .success: next.next() ?? .failure(ProblemDetails(status: .internalServerError, code: "internal", detail: "internal error"))
            }
        }
        // One entry per item, in order; the batch merges neighbours that ended alike (``AuditBatch/drain()``).
        let success = auditEntry(OperationKind.dataKeyWrap.rawValue, caller: caller, tenant: tenant, service: service, key: nil, error: nil)
        for result in results {
            switch result {
            case .success: try await record(success, caller: caller, sync: false)
            case .failure(let error):
                try await record(auditEntry(OperationKind.dataKeyWrap.rawValue, caller: caller, tenant: tenant, service: service, key: nil, error: error),
                                 caller: caller, sync: false)
            }
        }
        return results
    }
}
