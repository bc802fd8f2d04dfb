public import Crypto
public import Foundation
import HTTPTypes
public import OpenKCMCore

extension Operations {
    /// Wraps an L4 made at the edge under the service's current L3 (execution).
    public func wrapDataKey(_ key: SymmetricKey, tenant: TenantID, service: ServiceID, context: EncryptionContext, caller: Caller) async throws -> Data {
        try await perform(.dataKeyWrap, caller: caller, tenant: tenant, service: service) { core in
            try await core.keyChain.wrapDataKey(key, tenant: tenant, service: service, context: context)
        }
    }

    /// Wraps a gateway's batch of L4s (execution): one authorization and one
    /// L3 lookup for all, each item with its own outcome; an item that could
    /// not be read (`.failure`) fails alone. Every item is audited in order;
    /// a run of items that ended alike is one entry with its count.
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
        var start = 0
        while start < results.count {
            var end = start + 1
            while end < results.count, Self.endedAlike(results[start], results[end]) { end += 1 }
            var entry = auditEntry(OperationKind.dataKeyWrap.rawValue, caller: caller, tenant: tenant, service: service, key: nil,
                                   error: results[start].failure)
            entry.count = end - start > 1 ? UInt64(end - start) : nil
            try await record(entry, caller: caller, sync: false)
            start = end
        }
        return results
    }

    private static func endedAlike(_ a: Result<[UInt8], any Error>, _ b: Result<[UInt8], any Error>) -> Bool {
        switch (a, b) {
        case (.success, .success): true
        case (.failure(let a), .failure(let b)): ProblemDetails.from(a).code == ProblemDetails.from(b).code
        default: false
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
