public import KMIP

/// A batch item that fails: the Result Reason and a message for people. Only
/// its own batch item fails; its neighbours are answered as usual.
public struct KMIPOperationError: Error, Hashable, CustomStringConvertible {
    public var reason: KMIPResultReason
    public var message: String

    public init(_ reason: KMIPResultReason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }

    /// A key in the wrong state: KMIP 2.x has its own reason, 1.x says Permission Denied.
    public static func wrongState(_ message: String, version: KMIPVersion) -> KMIPOperationError {
        KMIPOperationError(version >= .v2_0 ? .wrongKeyLifecycleState : .permissionDenied, message)
    }
}
