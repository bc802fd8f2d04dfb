import Foundation
import Crypto

/// Who a subject-bound data key belongs to: one user of a service (a GDPR
/// data subject). Destroying a subject crypto-shreds every L4 bound to it.
///
/// 1 to 256 bytes of UTF-8 in NFC, with no control or invisible format
/// characters; case-sensitive (ids are compared byte for byte). Unlike tenant and
/// service ids a subject may hold any other character (e-mail addresses,
/// IdP subject claims), so it never appears in a storage key: records are
/// kept under its ``digest``.
public struct SubjectID: Sendable, Hashable, CustomStringConvertible {
    /// The largest subject in UTF-8 bytes.
    public static let maximumLength = 256

    public let rawValue: String
    /// SHA-256 of the subject's UTF-8 bytes, lowercase hex: the name the
    /// store and the audit log see.
    public let digest: String

    public init(_ rawValue: String) throws(KeyChainError) {
        let count = rawValue.utf8.count
        guard (1...Self.maximumLength).contains(count) else {
            throw .invalidIdentifier(kind: "subject", reason: "must be 1 to \(Self.maximumLength) bytes of UTF-8")
        }
        // Control characters (C0, DEL, C1) would make a subject unprintable in logs and tables.
        guard !rawValue.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw .invalidIdentifier(kind: "subject", reason: "must not contain control characters")
        }
        // One person, one spelling: a destroyed subject must not come back as "the same" id spelled
        // another way, since the tombstone, the secret's path and the key derivation use its exact bytes.
        // Invisible format characters (zero-width, byte-order mark, bidirectional controls) are refused,
        // and so is any id not in Unicode NFC (a decomposed "Zoë" would be a second subject).
        guard !rawValue.unicodeScalars.contains(where: { $0.properties.generalCategory == .format }) else {
            throw .invalidIdentifier(kind: "subject", reason: "must not contain invisible format characters (zero-width, byte-order mark, bidirectional controls)")
        }
        guard Array(rawValue.precomposedStringWithCanonicalMapping.utf8) == Array(rawValue.utf8) else {
            throw .invalidIdentifier(kind: "subject", reason: "must be in Unicode normalization form C (NFC)")
        }
        self.rawValue = rawValue
        self.digest = Array(SHA256.hash(data: Array(rawValue.utf8))).hexString
    }

    /// The digest only: a subject may be personal data, and descriptions end up in errors.
    public var description: String { "subject \(digest.prefix(16))" }
}
