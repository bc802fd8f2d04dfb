/// One stored item to move to the service's current L3 version: a wrapped
/// data key kept beside its data, or a whole record made by
/// ``EnvelopeEncryptor/encrypt(_:context:subject:)``, with the context
/// (and subject) it was made with.
public struct RewrapRequest: Sendable {
    /// The wrapped data key, or the record.
    public var bytes: [UInt8]
    public var context: [String: String]
    public var subject: String?

    public init(_ bytes: [UInt8], context: [String: String] = [:], subject: String? = nil) {
        self.bytes = bytes
        self.context = context
        self.subject = subject
    }
}
