public import Foundation

/// One stored data key a ``RewrapJob`` rewraps: the blob and what it is bound to.
public struct RewrapJobItem: Sendable, Hashable, Codable {
    public var wrapped: Data
    /// The encryption context it was wrapped with.
    public var context: [String: String]?
    /// The subject it is bound to, for a subject-bound blob.
    public var subject: String?

    public init(wrapped: Data, context: [String: String]? = nil, subject: String? = nil) {
        self.wrapped = wrapped
        self.context = context
        self.subject = subject
    }
}
