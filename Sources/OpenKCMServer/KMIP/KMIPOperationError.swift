public import KMIP

/// A batch item that fails: the Result Reason and a message for people. Only
/// its own batch item fails; its neighbours are answered as usual.
public struct KMIPOperationError: Error, Hashable, Sendable {
    public var reason: KMIPResultReason
    public var message: String

    public init(_ reason: KMIPResultReason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}
