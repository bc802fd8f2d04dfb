public import OpenKCMCore

/// The answer to compromising an L2.1 version: what it did, and the tenant as it is now.
public struct TenantKeyCompromiseView: Sendable, Codable, Hashable {
    public var compromise: TenantKeyCompromise
    public var tenant: TenantView
}
