import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore

extension KMIPManagedObject {
    /// A new object's record before it is stored: Pre-Active, with the request's names, groups, usage mask,
    /// dates and Cryptographic Parameters, its subject (the material is sealed under it and shredded with
    /// it), and every attribute ``adopt(_:)`` takes. The operation fills in the key's own fields.
    init(type: UInt32, requested attributes: KMIPRequestedAttributes) throws(KMIPOperationError) {
        self.init(uniqueIdentifier: "", tenant: "", service: "", objectType: type, cryptographicAlgorithm: nil, cryptographicLength: nil,
                  cryptographicUsageMask: attributes.usageMask, state: KMIPState.preActive.rawValue, names: attributes.names,
                  objectGroups: attributes.groups, initialDate: 0, lastChangeDate: 0, wrappedKey: Data(), sealedMaterial: Data())
        activationDate = attributes.activationDate
        deactivationDate = attributes.deactivationDate
        cryptographicParameters = attributes.cryptographicParameters.map { Data(TTLVEncoder.encode($0)) }
        try adopt(attributes)
        if let subject = attributes.custom[Self.subjectAttribute] {
            customAttributes = (customAttributes ?? [:]).merging([Self.subjectAttribute: subject]) { $1 }
        }
    }

    /// The record as it is first stored: its identifier and scope, Pre-Active from `now` (Active at once
    /// when its Activation Date has come).
    func placed(_ uid: String, tenant: TenantID, service: ServiceID, now: Int64) -> KMIPManagedObject {
        var object = self
        object.uniqueIdentifier = uid
        object.tenant = tenant.rawValue
        object.service = service.rawValue
        object.state = KMIPState.preActive.rawValue
        object.initialDate = now
        object.lastChangeDate = now
        return object.applyingDates(now: now)
    }

    /// Takes the descriptive and protective attributes a Create, Register,
    /// Create Key Pair or Derive Key request gives the new object: custom and
    /// vendor attributes, Application Specific Information, Contact
    /// Information, Description, Comment, the SKLC dates, Sensitive
    /// and Extractable (with Always Sensitive and Never Extractable as they
    /// start). Names, groups, dates and the key's own fields are taken where
    /// each operation reads them.
    mutating func adopt(_ attributes: KMIPRequestedAttributes) throws(KMIPOperationError) {
        let information = attributes.applicationSpecificInformation
        guard information.count <= 64, information.allSatisfy({ $0.namespace.utf8.count <= 1024 && ($0.data?.utf8.count ?? 0) <= 1024 }) else {
            throw KMIPOperationError(.invalidField, "at most 64 Application Specific Information instances, each text of at most 1024 bytes")
        }
        if !information.isEmpty {
            applicationSpecificInformation = information.map { ApplicationSpecificInformation(namespace: $0.namespace, data: $0.data) }
        }
        guard attributes.alternativeNames.count <= 64, attributes.alternativeNames.allSatisfy({ !$0.value.isEmpty && $0.value.utf8.count <= 1024 }) else {
            throw KMIPOperationError(.invalidField, "at most 64 Alternative Names, each text of 1 to 1024 bytes")
        }
        if !attributes.alternativeNames.isEmpty {
            alternativeNames = attributes.alternativeNames.map { AlternativeName(value: $0.value, type: $0.type) }
        }
        if let contact = attributes.contactInformation {
            guard contact.utf8.count <= 1024 else { throw KMIPOperationError(.invalidField, "Contact Information is text of at most 1024 bytes") }
            contactInformation = contact
        }
        for (name, text) in [("Description", attributes.description), ("Comment", attributes.comment)] {
            guard let text else { continue }
            guard text.utf8.count <= 1024 else { throw KMIPOperationError(.invalidField, "\(name) is text of at most 1024 bytes") }
            if name == "Description" { descriptionText = text } else { comment = text }
        }
        // Client-defined attributes (vCenter's x-Vendor, the test cases' x-ID), text or typed. The subject is not
        // among them: each operation binds the material to it where it reads it.
        for (name, text) in attributes.custom.sorted(by: { $0.key < $1.key }) where name != Self.subjectAttribute {
            try setCustom(name, .textString(text))
        }
        for (name, value) in attributes.typedCustom.sorted(by: { $0.key < $1.key }) where name != Self.subjectAttribute {
            try setCustom(name, value)
        }
        processStartDate = attributes.processStartDate ?? processStartDate
        protectStopDate = attributes.protectStopDate ?? protectStopDate
        if let sensitive = attributes.sensitive { self.sensitive = sensitive }
        if let extractable = attributes.extractable { self.extractable = extractable }
        alwaysSensitive = self.sensitive ?? false
        neverExtractable = !(self.extractable ?? true)
    }

    /// Whether Get may give the material: never when not Extractable, only wrapped when Sensitive.
    func checkExport(wrapped: Bool, version: KMIPVersion) throws(KMIPOperationError) {
        if extractable == false {
            throw KMIPOperationError(version >= .v2_0 ? .notExtractable : .permissionDenied, "the object is not Extractable: it never leaves the server")
        }
        if sensitive == true, !wrapped {
            throw KMIPOperationError(version >= .v2_0 ? .sensitive : .permissionDenied, "the object is Sensitive: it is given only wrapped (Key Wrapping Specification)")
        }
    }
}
