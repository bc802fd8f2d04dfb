public import Foundation
import OpenKCMPKI

/// An external CA whose client certificates the KMIP listener accepts, for
/// the subjects mapped to identities (`kmip/trusted-cas/<id>`, sealed).
public struct KMIPTrustedAuthority: Sendable, Codable, Hashable {
    public let id: String
    public let name: String
    /// The CA certificate, DER.
    public let certificate: Data
    /// Its subject, RFC 4514.
    public let subject: String
    public let notAfter: Date
    public let addedAt: Date

    static func storageKey(_ id: String) -> String { "kmip/trusted-cas/\(id)" }
    static let storagePrefix = "kmip/trusted-cas/"
}
