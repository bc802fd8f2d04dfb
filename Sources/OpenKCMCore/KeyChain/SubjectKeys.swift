public import Crypto
import Foundation

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

    /// The fixed start of the name's HMAC input (docs/envelope-format.md).
    public static let nameLabel = "openkcm subject name v1"
    /// `core/subject-name-key`: the sealed 256-bit key that names subjects, made once per store.
    /// Random rather than derived from the MasterKey, so that a new MasterKey renames nothing.
    package static let nameKeyPath = "core/subject-name-key"

    /// What the store and the audit log call a subject:
    ///
    /// ```
    /// name = hex(HMAC-SHA256(key: name key,
    ///                        "openkcm subject name v1" || u16 len tenant || tenant
    ///                        || u16 len service || service || u16 len subject || subject))
    /// ```
    /// Keyed, so that someone who reads the store or the audit log (but holds
    /// no MasterKey) cannot confirm a guessed id: the name of an erased person
    /// says nothing about who it was. Unlike ``SubjectID/digest`` it differs
    /// per tenant and service.
    public static func name(_ subject: SubjectID, tenant: TenantID, service: ServiceID, key: SymmetricKey) -> String {
        var message = Array(nameLabel.utf8)
        for part in [tenant.rawValue, service.rawValue, subject.rawValue] {
            message.appendUInt16(UInt16(part.utf8.count))
            message.append(contentsOf: part.utf8)
        }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key)).hexString
    }

    /// `subjects/<tenant>/<service>/<name>`: the sealed secret (32 raw bytes).
    package static func secretKey(_ tenant: TenantID, _ service: ServiceID, name: String) -> String {
        "\(secretPrefix(tenant))\(service.rawValue)/\(name)"
    }

    /// `subject-tombstones/<tenant>/<service>/<name>`: a destroyed subject (its time, ISO 8601).
    package static func tombstoneKey(_ tenant: TenantID, _ service: ServiceID, name: String) -> String {
        "\(tombstonePrefix(tenant))\(service.rawValue)/\(name)"
    }

    static func secretPrefix(_ tenant: TenantID) -> String { "subjects/\(tenant.rawValue)/" }
    static func tombstonePrefix(_ tenant: TenantID) -> String { "subject-tombstones/\(tenant.rawValue)/" }
}
