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
    /// An id is the first 128 bits of the SHA-256 of the CA certificate, hex.
    static func isIdentifier(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
    static let storagePrefix = "kmip/trusted-cas/"
}
