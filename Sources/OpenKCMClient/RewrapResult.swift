/// What a rewrap made of one ``RewrapRequest``, at the request's position
/// in its sequence (results come in input order).
public struct RewrapResult: Sendable {
    /// The request's position in the input, from 0.
    public var index: Int
    /// The new wrapped key or record, to store in place of the old one; or why not.
    public var outcome: Result<[UInt8], OpenKCMClientError>
    /// The L3 version the old item was wrapped under, when its header could be read.
    public var fromVersion: UInt32?
    /// The L3 version the new item is wrapped under.
    public var toVersion: UInt32?

    public init(index: Int, outcome: Result<[UInt8], OpenKCMClientError>, fromVersion: UInt32?, toVersion: UInt32?) {
        self.index = index
        self.outcome = outcome
        self.fromVersion = fromVersion
        self.toVersion = toVersion
    }
}
