/// Where a regional core (`--plane crypto`) finds the governance plane
/// (`--governance URL`, `[governance]`).
public struct GovernanceConnection: Sendable {
    /// The governance plane's REST address, https (plain http only on loopback).
    public var url: String
    /// A file holding this core's token: an identity with role core for its region.
    public var tokenFile: String
    /// The CA (PEM) the governance plane's TLS certificate is checked against; the system's when nil.
    public var caFile: String?
    /// This core's client certificate and key (PEM), for a governance plane
    /// that binds the core's token to it (mutual TLS).
    public var certificateFile: String?
    public var keyFile: String?
    /// How long the core serves without hearing from the governance plane before it locks every tenant.
    public var gracePeriod: Duration = .seconds(60)

    public init(url: String, tokenFile: String, caFile: String? = nil) {
        self.url = url
        self.tokenFile = tokenFile
        self.caFile = caFile
    }
}
