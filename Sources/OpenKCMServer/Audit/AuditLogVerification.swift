public import OpenKCMCore

/// The verification of a log on disk: the chain's result, and the segment
/// file the first bad entry is in (its `position` is the line in that file).
public struct AuditLogVerification: Sendable, Hashable {
    public let result: AuditVerification
    /// The segment's file name, when the chain is broken.
    public let segment: String?

    init(_ result: AuditVerification, segment: String?) {
        self.result = result
        self.segment = segment
    }
}
