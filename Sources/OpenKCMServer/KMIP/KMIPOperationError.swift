import KMIP
public import KMIPEngine
public import OpenKCMCore

/// The core's KMIP engine: its callers are the server's identities.
public typealias KMIPProtocolEngine = KMIPEngine<Caller>

extension KMIPOperationError: OpenKCMError {
    public var code: String { "kmip.\(reason)" }

    /// Any error an operation throws, as the reason and message a KMIP client gets.
    static func from(_ error: any Error) -> KMIPOperationError {
        switch error {
        case let error as KMIPOperationError: return error
        case let error as AccessError: return KMIPOperationError(.permissionDenied, "\(error)")
        case let error as KeyChainError:
            if case .tenantLocked = error { return KMIPOperationError(.permissionDenied, "\(error)") }
            if case .serviceInOtherRegion = error { return KMIPOperationError(.permissionDenied, "\(error)") }
            // Unknown, not absent: the node cannot confirm the tenant's state with the shared store right now.
            if case .stateUnconfirmed = error { return KMIPOperationError(.generalFailure, "\(error)") }
            // A shredded subject's objects are gone as a destroyed object is; naming it again is refused alike.
            if case .subjectDestroyed = error { return KMIPOperationError(.itemNotFound, "\(error)") }
            if case .invalidIdentifier(kind: "subject", _) = error { return KMIPOperationError(.invalidField, "\(error)") }
            return KMIPOperationError(.itemNotFound, "\(error)")
        case let error as KeystoreError: return KMIPOperationError(.permissionDenied, "\(error)")
        case let error as BarrierError: return KMIPOperationError(.generalFailure, "\(error)")
        case let error as StoreFreshnessError: return KMIPOperationError(.generalFailure, "\(error)")
        default: return KMIPOperationError(.generalFailure, "the operation failed")
        }
    }
}
