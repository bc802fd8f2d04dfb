public import OpenKCMCore

/// Where a regional core reads what the governance plane decided for its
/// region: the HTTP client of `--governance URL` in the composition, a
/// directory in tests.
public protocol GovernanceSource: Sendable {
    /// The region's snapshot. With `after` (the generation the core holds),
    /// waits up to `wait` for a change and answers nil when none came: a
    /// heartbeat. Throws when the governance plane cannot be reached or
    /// refuses, which counts against the grace period.
    func snapshot(of region: RegionID, after: UInt64?, wait: Duration) async throws -> RegionSnapshot?

    /// Tells the governance plane the state of this region's tenants.
    func report(_ report: RegionReport) async throws

    /// Lets go of connections; called once when the core stops following.
    func close() async
}

extension GovernanceSource {
    public func close() async {}
}
