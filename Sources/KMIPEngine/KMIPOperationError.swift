public import KMIP

/// A batch item that fails: the Result Reason and a message for people. Only
/// its own batch item fails; its neighbours are answered as usual.
public struct KMIPOperationError: Error, Hashable, CustomStringConvertible {
    public var reason: KMIPResultReason
    public var message: String
    /// A failed item's Response Payload, where the operation defines one
    /// (Check: the attributes that caused the denial); usually none.
    public var payload: [TTLVItem]?

    public init(_ reason: KMIPResultReason, _ message: String, payload: [TTLVItem]? = nil) {
        self.reason = reason
        self.message = message
        self.payload = payload
    }

    public var description: String { message }

    /// No such object: KMIP 2.x says Object Not Found, 1.x Item Not Found.
    public static func notFound(_ message: String, version: KMIPVersion) -> KMIPOperationError {
        KMIPOperationError(version >= .v2_0 ? .objectNotFound : .itemNotFound, message)
    }

    /// A key in the wrong state: KMIP 2.x has its own reason, 1.x says Permission Denied.
    public static func wrongState(_ message: String, version: KMIPVersion) -> KMIPOperationError {
        KMIPOperationError(version >= .v2_0 ? .wrongKeyLifecycleState : .permissionDenied, message)
    }
}
