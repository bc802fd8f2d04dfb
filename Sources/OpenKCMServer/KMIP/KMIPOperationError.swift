public import KMIP
public import OpenKCMCore

/// A batch item that fails: the Result Reason and a message for people. Only
/// its own batch item fails; its neighbours are answered as usual.
public struct KMIPOperationError: OpenKCMError, Hashable {
    public var reason: KMIPResultReason
    public var message: String

    public init(_ reason: KMIPResultReason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}

extension KMIPOperationError {
    public var code: String { "kmip.\(reason)" }
    public var description: String { message }

    /// Any error an operation throws, as the reason and message a KMIP client gets.
    static func from(_ error: any Error) -> KMIPOperationError {
        switch error {
        case let error as KMIPOperationError: return error
        case let error as AccessError: return KMIPOperationError(.permissionDenied, "\(error)")
        case let error as KeyChainError:
            if case .tenantLocked = error { return KMIPOperationError(.permissionDenied, "\(error)") }
            return KMIPOperationError(.itemNotFound, "\(error)")
        case let error as KeystoreError: return KMIPOperationError(.permissionDenied, "\(error)")
        case let error as BarrierError: return KMIPOperationError(.generalFailure, "\(error)")
        default: return KMIPOperationError(.generalFailure, "the operation failed")
        }
    }

    static func wrongState(_ message: String, version: KMIPVersion) -> KMIPOperationError {
        KMIPOperationError(version >= .v2_0 ? .wrongKeyLifecycleState : .permissionDenied, message)
    }
}
