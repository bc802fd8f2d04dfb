public import Crypto
public import Foundation

/// The key a subject-bound L4 is wrapped under, and where subject secrets live.
///
/// ```
/// key = HKDF-SHA256(inputKeyMaterial: L3 version key, salt: subject secret,
///                   info: "openkcm subject L4 v1" || u16 len tenant || tenant
///                         || u16 len service || service || u16 len subject || subject,
///                   32 bytes)
/// ```
/// Either half alone opens nothing: the L3 never leaves the core, and the
/// subject secret is deleted when the subject is destroyed, which is what
/// makes every copy of that subject's blobs unrecoverable.
public enum SubjectKeys {
    /// The fixed start of HKDF's info (docs/envelope-format.md).
    public static let label = "openkcm subject L4 v1"
    /// Subject secrets are 256-bit.
    public static let secretByteCount = 32

    /// Derives the wrapping key. The result lives in `SymmetricKey` storage,
    /// which is zeroed when released; the secret's bytes are read in place.
    public static func wrappingKey(
        l3: SymmetricKey, subjectSecret: SymmetricKey, tenant: TenantID, service: ServiceID, subject: SubjectID
    ) -> SymmetricKey {
        var info = Array(label.utf8)
        for part in [tenant.rawValue, service.rawValue, subject.rawValue] {
            info.appendUInt16(UInt16(part.utf8.count))
            info.append(contentsOf: part.utf8)
        }
        return subjectSecret.withUnsafeBytes { salt in
            HKDF<SHA256>.deriveKey(inputKeyMaterial: l3, salt: salt, info: info, outputByteCount: 32)
        }
    }

    /// `subjects/<tenant>/<service>/<digest>`: the sealed secret (32 raw bytes).
    package static func secretKey(_ tenant: TenantID, _ service: ServiceID, _ subject: SubjectID) -> String {
        "\(secretPrefix(tenant))\(service.rawValue)/\(subject.digest)"
    }

    /// `subject-tombstones/<tenant>/<service>/<digest>`: a destroyed subject (its time, ISO 8601).
    package static func tombstoneKey(_ tenant: TenantID, _ service: ServiceID, _ subject: SubjectID) -> String {
        "\(tombstonePrefix(tenant))\(service.rawValue)/\(subject.digest)"
    }

    static func secretPrefix(_ tenant: TenantID) -> String { "subjects/\(tenant.rawValue)/" }
    static func tombstonePrefix(_ tenant: TenantID) -> String { "subject-tombstones/\(tenant.rawValue)/" }
}
