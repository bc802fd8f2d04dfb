import Foundation
import KMIP
import OpenKCMCore

/// A KMIP managed object (a symmetric, public or private key, a split key,
/// secret data, an opaque object or a certificate) owned by one
/// (tenant, service). Its material never rests in the clear: it is sealed with
/// AES-256-GCM under its own L4, and the L4 is wrapped by the service's L3 and
/// bound to the object's unique identifier, so destroying the record
/// crypto-shreds the object and a record moved elsewhere does not open.
struct KMIPManagedObject: Codable, Sendable {
    var uniqueIdentifier: String
    var tenant: String
    var service: String
    var objectType: UInt32
    var cryptographicAlgorithm: UInt32?
    var cryptographicLength: Int32?
    var cryptographicUsageMask: Int32?
    /// Secret Data only: Password or Seed.
    var secretDataType: UInt32?
    /// Opaque Object only: its Opaque Data Type.
    var opaqueDataType: UInt32? = nil
    /// Certificate only: Certificate Type (X.509), and from the certificate
    /// its subject and issuer names (DER) and serial number.
    var certificateType: UInt32? = nil
    var certificateSubject: Data? = nil
    var certificateIssuer: Data? = nil
    var certificateSerialNumber: Data? = nil
    /// Split Key only: which part this is and how the parts combine.
    var splitKey: SplitKeyPart? = nil
    /// The Key Format Type the material was registered in (Raw for keys made here).
    var keyFormatType: UInt32?
    var state: UInt32
    var names: [String] = []
    var objectGroups: [String] = []
    /// Client-defined text attributes, e.g. vCenter's x-Vendor: KMIP 1.x
    /// custom attributes by name (`x-Vendor`), KMIP 2.x vendor attributes as
    /// `<vendor>-<name>`, so that `x-Vendor` is vendor `x`, name `Vendor` in 2.x.
    var customAttributes: [String: String]? = nil
    /// Custom and vendor attributes of other types than text (TL-M-3: an Integer, a Date-Time), each the
    /// TTLV encoding of its Attribute Value; a name is in this or in ``customAttributes``, never both.
    var customValues: [String: Data]? = nil
    /// Links to other objects (ReKey's Replacement and Replaced Object).
    var links: [Link]? = nil
    var initialDate: Int64
    var activationDate: Int64?
    var deactivationDate: Int64?
    var destroyDate: Int64?
    var lastChangeDate: Int64
    /// The key's Cryptographic Parameters attribute, TTLV-encoded: what
    /// Encrypt and Decrypt use for the fields a request leaves out.
    var cryptographicParameters: Data? = nil
    /// SHA-256 of the material as registered (the Key Material's bytes), the
    /// Digest attribute's value; nil for objects made before it was kept.
    var digest: Data? = nil
    /// Application Specific Information instances: which application knows the object by what.
    var applicationSpecificInformation: [ApplicationSpecificInformation]? = nil
    /// Alternative Name instances (KMIP 1.2 on): another name of the object, and its type (text, URI, DNS name...).
    var alternativeNames: [AlternativeName]? = nil
    var contactInformation: String? = nil
    /// KMIP 1.4 on: the client's Description and Comment of the object.
    var descriptionText: String? = nil
    var comment: String? = nil
    /// SKLC's dates: from when the key may process (decrypt) data, until when it may protect (encrypt) it.
    var processStartDate: Int64? = nil
    var protectStopDate: Int64? = nil
    /// KMIP 1.4 on: Sensitive (never given in the clear) and Extractable (given at all). They move one way
    /// only (Sensitive false to true, Extractable true to false), so Always Sensitive and Never Extractable
    /// say whether they have held since the object was made.
    var sensitive: Bool? = nil
    var extractable: Bool? = nil
    var alwaysSensitive: Bool? = nil
    var neverExtractable: Bool? = nil
    /// Revoke's Revocation Reason (its code and message), and for a compromise the Compromise Occurrence
    /// Date the client gave (else the revocation's time) and the Compromise Date (when the server learnt of it).
    var revocationReasonCode: UInt32? = nil
    var revocationMessage: String? = nil
    var compromiseOccurrenceDate: Int64? = nil
    var compromiseDate: Int64? = nil
    /// Fresh (KMIP 1.1 on): not yet served to a client by Get. True from creation, false after the first Get;
    /// nil for objects made before it was kept.
    var fresh: Bool? = nil
    /// Which rules the record was made under: nil for records made before 2026-12-05 (issue 22), whose
    /// CBC and ECB use without a Padding Method padded with PKCS#5 as OpenKCM then did; 1 since, where no
    /// Padding Method means none, as the KMIP profiles' test cases expect.
    var recordRevision: Int? = nil
    static let currentRevision = 1

    /// The padding CBC and ECB use when no Padding Method is named: PKCS#5 for records made before revision 1.
    var defaultPadding: KMIPPaddingMethod? { recordRevision == nil ? .pkcs5 : nil }
    /// The material was generated here (Create, Create Key Pair, ReKey, ReKey Key Pair), not given by the
    /// client: its Random Number Generator attribute says with what.
    var generatedHere: Bool? = nil
    /// The object's L4, wrapped by the service's L3 with the unique identifier
    /// as context; empty once destroyed (the material is then unrecoverable).
    var wrappedKey: Data
    /// The material sealed under that L4 (AES-GCM combined: nonce | ciphertext | tag).
    var sealedMaterial: Data

    /// A Split Key's fields besides its Key Block (KMIP 1.x 2.2.5, 2.x 2.4.5).
    struct SplitKeyPart: Codable, Sendable, Hashable {
        var parts: Int32
        var identifier: Int32
        var threshold: Int32
        /// A Split Key Method.
        var method: UInt32
        /// Prime Field Size (Big Integer bytes), for polynomial sharing in a prime field.
        var primeFieldSize: Data?
    }

    struct AlternativeName: Codable, Sendable, Hashable {
        var value: String
        /// An Alternative Name Type.
        var type: UInt32
    }

    struct ApplicationSpecificInformation: Codable, Sendable, Hashable {
        var namespace: String
        var data: String?
    }

    /// The most links one object holds: a key derived from this many times, or given this many links, is replaced instead.
    static let maximumLinks = 256

    struct Link: Codable, Sendable, Hashable {
        /// A KMIP Link Type.
        var type: UInt32
        var uniqueIdentifier: String
    }

    /// Destroyed (or Destroyed Compromised): only the record's attributes are
    /// left, for Get Attributes and a Locate that asks for destroyed objects.
    var isDestroyed: Bool {
        state == KMIPState.destroyed.rawValue || state == KMIPState.destroyedCompromised.rawValue
    }

    /// The object as its dates make it at `now`: Pre-Active becomes Active
    /// once its Activation Date is reached, Active becomes Deactivated once
    /// its Deactivation Date is (KMIP's state transitions 4 and 6).
    func applyingDates(now: Int64) -> KMIPManagedObject {
        var object = self
        if object.state == KMIPState.preActive.rawValue, let activation = object.activationDate, activation <= now {
            object.state = KMIPState.active.rawValue
        }
        if object.state == KMIPState.active.rawValue, let deactivation = object.deactivationDate, deactivation <= now {
            object.state = KMIPState.deactivated.rawValue
        }
        return object
    }

    /// ``cryptographicParameters`` as the structure it was given as.
    var cryptographicParametersItem: TTLVItem? {
        cryptographicParameters.flatMap { try? TTLVDecoder().decode(Array($0)) }
    }

    /// Where the record lives in sealed storage.
    static func storageKey(tenant: TenantID, service: ServiceID, uniqueIdentifier: String) -> String {
        "kmip/objects/\(tenant.rawValue)/\(service.rawValue)/\(uniqueIdentifier)"
    }

    /// The L4's context and the material's additional data: this object and no other.
    static func binding(_ uniqueIdentifier: String, tenant: TenantID, service: ServiceID) -> [String: String] {
        ["kmip:uid": uniqueIdentifier, "kmip:tenant": tenant.rawValue, "kmip:service": service.rawValue]
    }
}
