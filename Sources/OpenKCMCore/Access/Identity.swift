public import Foundation

/// A caller the server knows: a role, a scope for crypto identities, and the
/// keyed hash of its bearer token (the token itself is shown once and never stored).
public struct Identity: Sendable, Hashable, Codable {
    public let id: String
    public var name: String
    public var role: Role
    /// The tenant a crypto identity is bound to, or a scoped governance identity governs.
    public var tenant: TenantID?
    /// The service a crypto identity is bound to.
    public var service: ServiceID?
    public let createdAt: Date
    public var revoked: Bool
    /// Hex HMAC-SHA256 of the token's secret part under a MasterKey-derived key.
    var tokenHash: String
    /// For a KMIP client: the SHA-256 of its TLS client certificate (DER), hex.
    public var certificateFingerprint: String?
    /// For a KMIP client with a certificate from a trusted external CA: that
    /// CA's id and the certificate subject (RFC 4514 text) this identity maps.
    public var certificateSubject: CertificateSubject?
    /// The region a core identity reads the governance plane's records of.
    public var region: RegionID?
    /// When its token (and certificate registration) stops working; nil: never (set so explicitly).
    public var expiresAt: Date?
    /// How far a renewal moves ``expiresAt`` (the lifetime it was created with), in seconds.
    public var lifetimeSeconds: Int?
    /// The identity that created this one (nil for the root token of `operator init`, and for older
    /// identities): four-eyes refuses an approver its requester made, directly or through others.
    public var createdBy: String?

    package init(id: String, name: String, role: Role, tenant: TenantID?, service: ServiceID?, createdAt: Date, tokenHash: String) {
        self.id = id
        self.name = name
        self.role = role
        self.tenant = tenant
        self.service = service
        self.createdAt = createdAt
        self.revoked = false
        self.tokenHash = tokenHash
    }

    static func storageKey(_ id: String) -> String { "identities/\(id)" }
    static func certificateKey(_ fingerprint: String) -> String { "identities-by-certificate/\(fingerprint)" }
    static func subjectKey(_ subject: CertificateSubject) -> String { "identities-by-subject/\(subject.digest)" }
}
