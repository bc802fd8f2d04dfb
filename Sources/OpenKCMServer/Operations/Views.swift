public import Foundation
public import OpenKCMCore

/// A key version as the API shows it: state and dates, never bytes.
public struct KeyVersionView: Sendable, Codable, Hashable {
    public var version: UInt32
    public var state: KeyState
    public var wrappedBy: UInt32
    public var createdAt: Date
}

/// A versioned key ring as the API shows it.
public struct KeyRingView: Sendable, Codable, Hashable {
    public var keyID: String
    public var currentVersion: UInt32
    public var minimumDecryptionVersion: UInt32
    public var versions: [KeyVersionView]

    init(_ ring: KeyRing) {
        keyID = ring.keyID.description
        currentVersion = ring.currentVersion
        minimumDecryptionVersion = ring.minimumDecryptionVersion
        versions = ring.versions.map {
            KeyVersionView(version: $0.version, state: $0.state, wrappedBy: $0.parentVersion, createdAt: $0.createdAt)
        }
    }
}

/// A tenant's L1 link.
public struct L1LinkView: Sendable, Codable, Hashable {
    public var provider: String
    public var key: String
    public var linked: Bool
    public var unlinkedAt: Date?
}

public struct TenantView: Sendable, Codable, Hashable {
    public var id: String
    public var l1: L1LinkView
    public var tenantKey: KeyRingView
    public var createdAt: Date
    /// Key use per service since the answering node started (``UsageRegister``); only in a tenant's own view.
    public var usage: [String: UsageRegister.Counts]?

    init(_ ring: TenantKeyRing) {
        id = ring.tenant.rawValue
        l1 = L1LinkView(provider: ring.l1.provider, key: ring.l1.key, linked: ring.l1UnlinkedAt == nil, unlinkedAt: ring.l1UnlinkedAt)
        tenantKey = KeyRingView(ring.tenantKeys)
        createdAt = ring.createdAt
    }
}

public struct ServiceView: Sendable, Codable, Hashable {
    public var tenant: String
    public var id: String
    public var serviceKey: KeyRingView
    public var createdAt: Date

    init(_ ring: ServiceKeyRing) {
        tenant = ring.tenant.rawValue
        id = ring.service.rawValue
        serviceKey = KeyRingView(ring.serviceKeys)
        createdAt = ring.createdAt
    }
}

public struct IdentityView: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    public var role: Role
    public var tenant: String?
    public var service: String?
    public var revoked: Bool
    public var createdAt: Date
    /// A KMIP client's certificate (SHA-256 of the DER, hex).
    public var certificateFingerprint: String?
    /// A KMIP client mapped by subject: the trusted CA's id and the subject (RFC 4514).
    public var certificateAuthority: String?
    public var certificateSubject: String?
    /// The region a core identity reads.
    public var region: String?
    /// When its token stops working (renewable before then); nil: never.
    public var expiresAt: Date?

    init(_ identity: Identity) {
        id = identity.id
        name = identity.name
        role = identity.role
        tenant = identity.tenant?.rawValue
        service = identity.service?.rawValue
        revoked = identity.revoked
        createdAt = identity.createdAt
        expiresAt = identity.expiresAt
        certificateFingerprint = identity.certificateFingerprint
        certificateAuthority = identity.certificateSubject?.authority
        certificateSubject = identity.certificateSubject?.subject
        region = identity.region?.rawValue
    }
}
