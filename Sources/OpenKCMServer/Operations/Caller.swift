public import OpenKCMCore

/// Who asks for an operation, as the transport (REST bearer token, later KMIP
/// client certificate) established it.
public struct Caller: Sendable {
    /// Nil when the caller presented no valid credential.
    public var identity: Identity?
    /// From `X-Correlation-ID`, or made for the request; in every audit entry.
    public var correlationID: String

    public init(identity: Identity?, correlationID: String) {
        self.identity = identity
        self.correlationID = correlationID
    }
}
