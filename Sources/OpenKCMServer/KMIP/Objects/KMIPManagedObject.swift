import Foundation
import OpenKCMCore

/// A KMIP managed object (a symmetric key or secret data) owned by one
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
    /// The Key Format Type the material was registered in (Raw for keys made here).
    var keyFormatType: UInt32?
    var state: UInt32
    var names: [String] = []
    var objectGroups: [String] = []
    /// Client-defined text attributes, e.g. vCenter's x-Vendor: KMIP 1.x
    /// custom attributes by name (`x-Vendor`), KMIP 2.x vendor attributes as
    /// `<vendor>-<name>`, so that `x-Vendor` is vendor `x`, name `Vendor` in 2.x.
    var customAttributes: [String: String]? = nil
    /// Links to other objects (ReKey's Replacement and Replaced Object).
    var links: [Link]? = nil
    var initialDate: Int64
    var activationDate: Int64?
    var deactivationDate: Int64?
    var destroyDate: Int64?
    var lastChangeDate: Int64
    /// The object's L4, wrapped by the service's L3 with the unique identifier as context.
    var wrappedKey: Data
    /// The material sealed under that L4 (AES-GCM combined: nonce | ciphertext | tag).
    var sealedMaterial: Data

    struct Link: Codable, Sendable, Hashable {
        /// A KMIP Link Type.
        var type: UInt32
        var uniqueIdentifier: String
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
