public import Foundation

/// What a ``RewrapJob`` made of one item, in the item's place in the output.
public struct RewrapJobOutcome: Sendable, Hashable, Codable {
    /// The blob under the current L3 version; nil when it could not be rewrapped.
    public var wrapped: Data?
    /// The L3 version the blob was under, when it could be read.
    public var fromVersion: UInt32?
    /// Why it could not be rewrapped: a stable error code.
    public var error: String?

    public init(wrapped: Data? = nil, fromVersion: UInt32? = nil, error: String? = nil) {
        self.wrapped = wrapped
        self.fromVersion = fromVersion
        self.error = error
    }
}
