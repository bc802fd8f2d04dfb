/// Counts a rewrap run's results by L3 version: how many items moved off
/// each old version, and how many still depend on one because their rewrap
/// failed. Once an application has rewrapped everything it stores,
/// `stillDependent` for a compromised version is what keeps it from asking
/// the operator to close that version (`openkcm key close`).
public struct RewrapTally: Sendable, Equatable {
    /// Items rewrapped, by the version they were under before.
    public var moved: [UInt32: Int] = [:]
    /// Items whose rewrap failed, by the version they are still under
    /// (0 when the item's header could not be read).
    public var stillDependent: [UInt32: Int] = [:]

    public init() {}

    public var rewrapped: Int { moved.values.reduce(0, +) }
    public var failed: Int { stillDependent.values.reduce(0, +) }

    public mutating func count(_ result: RewrapResult) {
        switch result.outcome {
        case .success: moved[result.fromVersion ?? 0, default: 0] += 1
        case .failure: stillDependent[result.fromVersion ?? 0, default: 0] += 1
        }
    }
}
