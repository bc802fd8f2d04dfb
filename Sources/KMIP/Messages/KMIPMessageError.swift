/// Why a decoded TTLV tree is not a KMIP message this server can answer,
/// with the Result Reason to answer it with.
public struct KMIPMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: KMIPResultReason
    public var message: String

    public init(_ reason: KMIPResultReason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }

    static func invalid(_ message: String) -> KMIPMessageError { KMIPMessageError(.invalidMessage, message) }
}
