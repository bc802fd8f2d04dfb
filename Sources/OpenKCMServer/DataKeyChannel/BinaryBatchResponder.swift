import Crypto
import DataKeyWire
import Foundation
import HTTPTypes
import OpenKCMCore

/// Answers a gateway's batch in ``DataKeyBatchWire``'s binary form, for the
/// REST batch routes and the data-key channel alike: the same operation,
/// authorization and audit as the JSON batch, without base64 or JSON on
/// either side. Wrap, unwrap and rewrap have this form.
struct BinaryBatchResponder: Sendable {
    let operations: Operations

    enum Operation: Sendable {
        case wrap, unwrap, rewrap

        var kind: OperationKind {
            switch self {
            case .wrap: .dataKeyWrap
            case .unwrap: .dataKeyUnwrap
            case .rewrap: .dataKeyRewrap
            }
        }
    }

    /// The answer body for a request body. A malformed body, a refused
    /// caller or a sealed core throw (a ``ProblemDetails`` or the core's own
    /// error); an item that fails carries its problem in the answer. The
    /// answer holds data keys after an unwrap: the caller zeroes it once sent.
    func answer(_ operation: Operation, body: [UInt8], tenant: TenantID, service: ServiceID, caller: Caller) async throws -> [UInt8] {
        var decoded: DataKeyBatchRequest
        do {
            decoded = try DataKeyBatchRequest(decoding: body)
        } catch {
            if case .itemCount = error { throw ProblemDetails(status: .badRequest, code: "request.batch_size", detail: error.description) }
            throw ProblemDetails(status: .badRequest, code: "request.invalid_batch", detail: error.description)
        }
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(decoded.items.count)
        switch operation {
        case .wrap:
            outcomes = try await wraps(decoded.items, tenant: tenant, service: service, caller: caller)
        case .unwrap:
            try await operations.runBatch(.dataKeyUnwrap, decoded.items, tenant: tenant, service: service, caller: caller) { item, caller in
                let encryptionContext = try EncryptionContext(canonical: item.context)
                outcomes.append(.key(try await operations.unwrapDataKey(Data(item.value), tenant: tenant, service: service,
                                                                         context: encryptionContext, caller: caller)))
            } failed: { problem in
                outcomes.append(.problem(problem))
            }
        case .rewrap:
            // Each blob is opened and wrapped again inside the core: no data key crosses the wire.
            try await operations.runBatch(.dataKeyRewrap, decoded.items, tenant: tenant, service: service, caller: caller) { item, caller in
                let encryptionContext = try EncryptionContext(canonical: item.context)
                outcomes.append(.blob(Array(try await operations.rewrapDataKey(Data(item.value), tenant: tenant, service: service,
                                                                                context: encryptionContext, caller: caller))))
            } failed: { problem in
                outcomes.append(.problem(problem))
            }
        }
        // The slices share the body's storage: drop them so the caller can zero the body in place.
        decoded.items = []
        // Sized first, so the answer's array never grows (and leaves copies of keys behind).
        var answer = try DataKeyBatchAnswerWriter(count: outcomes.count, reserving: outcomes.reduce(0) { $0 + $1.encodedSize })
        for outcome in outcomes {
            switch outcome {
            case .blob(let blob): try answer.appendValue(blob)
            case .key(let key): try key.withUnsafeBytes { bytes in try answer.appendValue(bytes) }
            case .problem(let problem): answer.appendProblem(status: problem.status, code: problem.code, detail: problem.detail)
            }
        }
        return answer.bytes
    }

    /// One item's answer.
    private enum Outcome {
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

    /// The wraps of a batch in one call to the key chain. An item whose
    /// context is not canonical fails alone; every item is audited in the
    /// request's order.
    private func wraps(_ items: [DataKeyBatchRequest.Item], tenant: TenantID, service: ServiceID, caller: Caller) async throws -> [Outcome] {
        let readable = items.map { item in
            Result { () throws(EnvelopeError) in (key: SymmetricKey(data: item.value), context: try EncryptionContext(canonical: item.context)) }
                .mapError { $0 as any Error }
        }
        let wrapped = try await operations.auditedBatch(.dataKeyWrap, tenant: tenant, service: service, caller: caller) { caller, _ in
            try await operations.wrapDataKeys(readable, tenant: tenant, service: service, caller: caller)
        }
        return wrapped.map { result -> Outcome in
            switch result {
            case .success(let blob): return .blob(blob)
            case .failure(let error):
                var problem = ProblemDetails.from(error)
                problem.correlationId = caller.correlationID
                return .problem(problem)
            }
        }
    }
}
