import Foundation
import KMIP
import KMIPEngine

/// One Add, Modify, Delete or Set Attribute request, read from either
/// encoding. KMIP 1.x names the attribute (`Attribute { Attribute Name,
/// Attribute Index, Attribute Value }`); KMIP 2.x tags it (`New Attribute`,
/// `Current Attribute`, `Attribute Reference`, vendor attributes as
/// `Attribute { Vendor Identification, Attribute Name, Attribute Value }`).
/// Either way it becomes a name in KMIP 1.x spelling, so one set of rules
/// applies: vendor attribute `x`/`Vendor` is custom attribute `x-Vendor`.
struct KMIPAttributeChange: Sendable {
    var operation: KMIPOperation
    /// The attribute's KMIP 1.x name (`Name`, `Object Group`, `x-Vendor`, `acme-Tier`).
    var name: String
    /// The new value (Add, Modify, Set).
    var value: TTLVItem?
    /// Which instance of a multi-instance attribute: by value (2.x Current Attribute) or by index (1.x).
    var current: TTLVItem?
    var index: Int?
    var version: KMIPVersion

    /// What a KMIP 1.x answer echoes: the instance's value and its Attribute Index.
    struct Answer: Sendable {
        var value: TTLVItem
        var index: Int
    }

    /// Attributes clients may change; every other one is read-only to them.
    static let changeable: Set<String> = [
        "Name", "Object Group", "Application Specific Information", "Alternative Name", "Link", "Contact Information", "Description", "Comment",
        "Activation Date", "Deactivation Date", "Process Start Date", "Protect Stop Date", "Sensitive", "Extractable",
    ]

    init(_ payload: TTLVItem, operation: KMIPOperation, version: KMIPVersion) throws(KMIPOperationError) {
        self.operation = operation
        self.version = version
        if let attribute = payload[.attribute], attribute[.vendorIdentification] == nil {
            // KMIP 1.x.
            guard let name = attribute[.attributeName]?.textValue else { throw KMIPOperationError(.invalidField, "an Attribute Name is required") }
            self.name = name
            self.value = attribute[.attributeValue]
            self.index = attribute[.attributeIndex]?.integerValue.map(Int.init)
            return
        }
        if operation != .setAttribute, payload[.newAttribute] == nil, payload[.currentAttribute] == nil, payload[.attributeReference] == nil,
           let name = payload[.attributeName]?.textValue {
            // KMIP 1.x Delete Attribute may name the attribute bare.
            self.name = name
            self.index = payload[.attributeIndex]?.integerValue.map(Int.init)
            return
        }
        let new = payload[.newAttribute]?.children.first
        let current = payload[.currentAttribute]?.children.first
        if let named = new ?? current {
            self.name = try Self.name(of: named)
        } else if let reference = payload[.attributeReference] {
            self.name = try Self.name(referencedBy: reference)
        } else {
            throw KMIPOperationError(.invalidField, operation == .deleteAttribute
                ? "Delete Attribute needs a Current Attribute or an Attribute Reference"
                : "\(operation) needs a New Attribute")
        }
        if let current, new != nil, try Self.name(of: current) != name {
            throw KMIPOperationError(.invalidField, "Current Attribute and New Attribute name different attributes")
        }
        self.value = new.map(Self.value(of:))
        self.current = current.map(Self.value(of:))
        if operation != .deleteAttribute, value == nil { throw KMIPOperationError(.invalidField, "\(operation) needs a New Attribute") }
    }

    /// The 1.x name of a 2.x tagged attribute.
    static func name(of item: TTLVItem) throws(KMIPOperationError) -> String {
        if item.tag == .attribute {
            return try vendorName(vendor: item[.vendorIdentification]?.textValue, name: item[.attributeName]?.textValue)
        }
        return KMIPAttributeNames.name(of: item.tag) ?? item.tag.description
    }

    static func name(referencedBy reference: TTLVItem) throws(KMIPOperationError) -> String {
        if let raw = reference.enumerationValue {
            guard let tag = TTLVTag(rawValue: raw) else { throw KMIPOperationError(.invalidField, "an Attribute Reference names a KMIP tag") }
            return KMIPAttributeNames.name(of: tag) ?? tag.description
        }
        return try vendorName(vendor: reference[.vendorIdentification]?.textValue, name: reference[.attributeName]?.textValue)
    }

    /// A 2.x vendor attribute as a 1.x custom attribute name: `<vendor>-<name>`.
    static func vendorName(vendor: String?, name: String?) throws(KMIPOperationError) -> String {
        guard let vendor, let name, !vendor.isEmpty, !name.isEmpty,
              vendor.utf8.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 46 })
        else {
            throw KMIPOperationError(.invalidField, "a vendor attribute needs a Vendor Identification (letters, digits, _ and .) and an Attribute Name")
        }
        return "\(vendor)-\(name)"
    }

    /// The value inside a tagged attribute: a vendor attribute's Attribute Value, or the item itself.
    static func value(of item: TTLVItem) -> TTLVItem {
        item.tag == .attribute ? (item[.attributeValue] ?? item) : item
    }

    /// Client-defined attributes: 1.x `x-`/`y-` names and every 2.x vendor attribute.
    var isCustom: Bool { Self.isCustom(name) }

    static func isCustom(_ name: String) -> Bool {
        guard let dash = name.firstIndex(of: "-") else { return false }
        return dash != name.startIndex && !KMIPAttributeNames.all.contains(name)
    }

    /// Applies the change to `object`; returns what a KMIP 1.x answer echoes.
    /// A multi-valued attribute's index is its instance's place among the
    /// object's values now (a deleted instance's followers move up one).
    func apply(to object: inout KMIPManagedObject) throws(KMIPOperationError) -> Answer? {
        if isCustom { return try applyCustom(to: &object) }
        guard Self.changeable.contains(name) else {
            throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "\(name) cannot be changed by \(operation)")
        }
        switch name {
        case "Name", "Object Group":
            var list = name == "Name" ? object.names : object.objectGroups
            defer { if name == "Name" { object.names = list } else { object.objectGroups = list } }
            return try applyInstances(&list, read: text, echo: answer)
        case "Application Specific Information":
            var list = object.applicationSpecificInformation ?? []
            defer { object.applicationSpecificInformation = list.isEmpty ? nil : list }
            return try applyInstances(&list, read: applicationInformation) { information in
                TTLVItem(.attributeValue, .structure([TTLVItem(.applicationNamespace, .textString(information.namespace))]
                    + (information.data.map { [TTLVItem(.applicationData, .textString($0))] } ?? [])))
            }
        case "Alternative Name":
            var list = object.alternativeNames ?? []
            defer { object.alternativeNames = list.isEmpty ? nil : list }
            return try applyInstances(&list, read: alternativeName) { alternative in
                TTLVItem(.attributeValue, .structure([TTLVItem(.alternativeNameValue, .textString(alternative.value)),
                                                      TTLVItem(.alternativeNameType, .enumeration(alternative.type))]))
            }
        case "Link":
            var list = object.links ?? []
            let serverKept = { (links: [KMIPManagedObject.Link]) in links.filter { KMIPLinkType(rawValue: $0.type).map(Self.serverLinks.contains) == true } }
            let before = serverKept(list)
            let answer = try applyInstances(&list, read: link) { link in
                TTLVItem(.attributeValue, .structure([TTLVItem(.linkType, .enumeration(link.type)), TTLVItem(.linkedObjectIdentifier, .textString(link.uniqueIdentifier))]))
            }
            // An instance picked by index is not read through `link`: the server's links must still be there.
            guard serverKept(list) == before else {
                throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "the server's links are kept by the server")
            }
            object.links = list.isEmpty ? nil : list
            return answer
        default:
            return try applySingleValued(to: &object)
        }
    }

    /// Add, Modify, Delete or Set of one instance of a multi-valued attribute: Modify and Delete pick the
    /// instance by value (2.x Current Attribute) or by Attribute Index (1.x; the first by default).
    private func applyInstances<Value: Equatable>(
        _ list: inout [Value], read: (TTLVItem?) throws(KMIPOperationError) -> Value, echo: (Value) -> TTLVItem
    ) throws(KMIPOperationError) -> Answer? {
        let notFound = KMIPOperationError(version >= .v2_0 ? .attributeNotFound : .itemNotFound, "the object has no such \(name)")
        func instance() throws(KMIPOperationError) -> Int {
            if let current {
                let wanted = try read(current)
                guard let found = list.firstIndex(of: wanted) else { throw notFound }
                return found
            }
            let position = index ?? 0
            guard list.indices.contains(position) else { throw notFound }
            return position
        }
        switch operation {
        case .addAttribute:
            guard list.count < 64 else { throw KMIPOperationError(.invalidField, "at most 64 instances of \(name)") }
            list.append(try read(value))
            return Answer(value: echo(list[list.count - 1]), index: list.count - 1)
        case .modifyAttribute:
            let position = try instance()
            list[position] = try read(value)
            return Answer(value: echo(list[position]), index: position)
        case .deleteAttribute:
            let position = try instance()
            return Answer(value: echo(list.remove(at: position)), index: position)
        case .setAttribute:
            guard list.count <= 1 else { throw KMIPOperationError(.multiValuedAttribute, "the object has several \(name) values; use Modify Attribute") }
            list = [try read(value)]
            return Answer(value: echo(list[0]), index: 0)
        default:
            throw KMIPOperationError(.operationNotSupported, "\(operation) does not change attributes")
        }
    }

    /// A Name's or Object Group's text.
    private func text(_ item: TTLVItem?) throws(KMIPOperationError) -> String {
        guard let text = item?[.nameValue]?.textValue ?? item?.textValue, !text.isEmpty, text.utf8.count <= 1024 else {
            throw KMIPOperationError(.invalidField, "\(name) needs a text value of at most 1024 bytes")
        }
        return text
    }

    private func applicationInformation(_ item: TTLVItem?) throws(KMIPOperationError) -> KMIPManagedObject.ApplicationSpecificInformation {
        guard let namespace = item?[.applicationNamespace]?.textValue, !namespace.isEmpty, namespace.utf8.count <= 1024,
              (item?[.applicationData]?.textValue?.utf8.count ?? 0) <= 1024 else {
            throw KMIPOperationError(.invalidField, "Application Specific Information needs an Application Namespace (and Application Data), text of at most 1024 bytes")
        }
        return KMIPManagedObject.ApplicationSpecificInformation(namespace: namespace, data: item?[.applicationData]?.textValue)
    }

    private func alternativeName(_ item: TTLVItem?) throws(KMIPOperationError) -> KMIPManagedObject.AlternativeName {
        guard let value = item?[.alternativeNameValue]?.textValue, !value.isEmpty, value.utf8.count <= 1024,
              let type = item?[.alternativeNameType]?.enumerationValue else {
            throw KMIPOperationError(.invalidField, "an Alternative Name needs an Alternative Name Value (1 to 1024 bytes) and Type")
        }
        return KMIPManagedObject.AlternativeName(value: value, type: type)
    }

    /// A Link a client adds (AX-M-1): its Link Type and the linked object's identifier. The link only names
    /// the object; following it still goes through that object's own checks.
    private func link(_ item: TTLVItem?) throws(KMIPOperationError) -> KMIPManagedObject.Link {
        guard let type = item?[.linkType]?.enumerationValue, KMIPLinkType(rawValue: type) != nil || type >= 0x8000_0000,
              let linked = item?[.linkedObjectIdentifier]?.textValue, !linked.isEmpty, linked.utf8.count <= 256 else {
            throw KMIPOperationError(.invalidField, "a Link needs a Link Type and a Linked Object Identifier")
        }
        // The links the server keeps (a key pair's, ReKey's, Derive Key's) are what it follows: no client adds,
        // changes or deletes them.
        if let known = KMIPLinkType(rawValue: type), Self.serverLinks.contains(known) {
            throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "\(known) links are kept by the server")
        }
        return KMIPManagedObject.Link(type: type, uniqueIdentifier: linked)
    }

    /// Link types only the server writes.
    static let serverLinks: Set<KMIPLinkType> = [.publicKeyLink, .privateKeyLink, .replacementObjectLink, .replacedObjectLink,
                                                 .derivationBaseObjectLink, .derivedKeyLink]

    /// The single-valued attributes clients set: Contact Information, Description, Comment (text), the
    /// Activation and Deactivation Dates (while the key is Pre-Active, or Active for the Deactivation Date:
    /// a date that already took effect is history, Wrong Key Lifecycle State in 2.x), Process Start Date and
    /// Protect Stop Date, Sensitive and Extractable. Sensitive and Extractable always hold a value (false and
    /// true unless set), change one way only (a key once Sensitive stays so, once not Extractable stays so),
    /// and cannot be deleted.
    private func applySingleValued(to object: inout KMIPManagedObject) throws(KMIPOperationError) -> Answer? {
        let flag = name == "Sensitive" || name == "Extractable"
        let held: TTLVValue? = switch name {
        case "Contact Information": object.contactInformation.map { .textString($0) }
        case "Description": object.descriptionText.map { .textString($0) }
        case "Comment": object.comment.map { .textString($0) }
        case "Activation Date": object.activationDate.map { .dateTime($0) }
        case "Deactivation Date": object.deactivationDate.map { .dateTime($0) }
        case "Process Start Date": object.processStartDate.map { .dateTime($0) }
        case "Protect Stop Date": object.protectStopDate.map { .dateTime($0) }
        case "Sensitive": .boolean(object.sensitive ?? false)
        default: .boolean(object.extractable ?? true)
        }
        let states: Set<UInt32>? = switch name {
        case "Activation Date": [KMIPState.preActive.rawValue]
        case "Deactivation Date": [KMIPState.preActive.rawValue, KMIPState.active.rawValue]
        default: nil
        }
        if let states, !states.contains(object.state) {
            throw KMIPOperationError.wrongState("\(name) changes only before it has taken effect", version: version)
        }
        // A lifecycle date is the key's history once reached, and is never deleted by a client: deleting a Protect
        // Stop Date would let a key protect again.
        let lifecycleDates: Set<String> = ["Activation Date", "Deactivation Date", "Process Start Date", "Protect Stop Date"]
        if lifecycleDates.contains(name) {
            if operation == .deleteAttribute {
                throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "\(name) is not deleted; set a new date while it has not come")
            }
            if case .dateTime(let date)? = held, date <= Int64(Date().timeIntervalSince1970) {
                throw KMIPOperationError.wrongState("\(name) has come and is history", version: version)
            }
        }
        let notFound = KMIPOperationError(version >= .v2_0 ? .attributeNotFound : .itemNotFound, "the object has no \(name)")
        if operation == .deleteAttribute {
            guard !flag else { throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "\(name) always holds a value; set it instead") }
            guard let held else { throw notFound }
            if let current, current.value != held { throw notFound }
            try write(nil, to: &object)
            return Answer(value: TTLVItem(.attributeValue, held), index: 0)
        }
        if operation == .addAttribute, held != nil, !flag {
            throw KMIPOperationError(version >= .v2_0 ? .attributeSingleValued : .invalidField, "\(name) is set already; use Modify Attribute")
        }
        if operation == .modifyAttribute {
            guard let held else { throw notFound }
            if let current, current.value != held { throw notFound }
        }
        guard let value else { throw KMIPOperationError(.invalidField, "\(operation) needs a value") }
        try write(value, to: &object)
        return Answer(value: TTLVItem(.attributeValue, value.value), index: 0)
    }

    /// Writes (or, with nil, removes) the single-valued attribute's new value, checking its type.
    private func write(_ value: TTLVItem?, to object: inout KMIPManagedObject) throws(KMIPOperationError) {
        let text = ["Contact Information", "Description", "Comment"].contains(name)
        let wrongType = KMIPOperationError(.invalidField, "\(name) takes a \(text ? "text string of at most 1024 bytes" : name.hasSuffix("Date") ? "Date-Time" : "Boolean")")
        if text {
            let string = value?.textValue
            if value != nil { guard let string, string.utf8.count <= 1024 else { throw wrongType } }
            switch name {
            case "Contact Information": object.contactInformation = string
            case "Description": object.descriptionText = string
            default: object.comment = string
            }
            return
        }
        if name.hasSuffix("Date") {
            let date = value?.dateTimeValue
            if value != nil, date == nil { throw wrongType }
            switch name {
            case "Activation Date": object.activationDate = date
            case "Deactivation Date": object.deactivationDate = date
            case "Process Start Date": object.processStartDate = date
            default: object.protectStopDate = date
            }
            return
        }
        guard let flag = value?.booleanValue else { throw wrongType }
        if name == "Sensitive" {
            guard flag || object.sensitive != true else {
                throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "a Sensitive object stays Sensitive")
            }
            object.sensitive = flag
        } else {
            guard !flag || object.extractable != false else {
                throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied, "an object that is not Extractable stays so")
            }
            object.extractable = flag
        }
    }

    private func applyCustom(to object: inout KMIPManagedObject) throws(KMIPOperationError) -> Answer? {
        // The object's material is sealed under its subject: naming another one (or none) would lose it.
        guard name != KMIPManagedObject.subjectAttribute else {
            throw KMIPOperationError(version >= .v2_0 ? .attributeReadOnly : .permissionDenied,
                                     "\(name) is fixed when the object is made: its key is sealed under that subject")
        }
        let held = object.customValue(name)
        let notFound = KMIPOperationError(version >= .v2_0 ? .attributeNotFound : .itemNotFound, "no attribute \(name)")
        if operation == .deleteAttribute {
            guard let held else { throw notFound }
            try object.setCustom(name, nil)
            return Answer(value: TTLVItem(.attributeValue, held), index: 0)
        }
        guard let value else { throw KMIPOperationError(.invalidField, "\(operation) needs a value") }
        if operation == .addAttribute && held != nil {
            throw KMIPOperationError(version >= .v2_0 ? .attributeSingleValued : .invalidField, "\(name) is set already; use Modify Attribute")
        }
        if operation == .modifyAttribute {
            guard let held else { throw notFound }
            if let current, current.value != held { throw notFound }
        }
        try object.setCustom(name, value.value)
        return Answer(value: TTLVItem(.attributeValue, value.value), index: 0)
    }

    private func answer(_ text: String) -> TTLVItem {
        name == "Name"
            ? TTLVItem(.attributeValue, .structure([TTLVItem(.nameValue, .textString(text)), TTLVItem(.nameType, .enumeration(KMIPNameType.uninterpretedTextString.rawValue))]))
            : TTLVItem(.attributeValue, .textString(text))
    }
}

/// KMIP 1.x attribute names of the attributes this server keeps, by tag.
enum KMIPAttributeNames {
    static let byTag: [TTLVTag: String] = [
        .uniqueIdentifier: "Unique Identifier", .name: "Name", .objectType: "Object Type",
        .cryptographicAlgorithm: "Cryptographic Algorithm", .cryptographicLength: "Cryptographic Length",
        .cryptographicUsageMask: "Cryptographic Usage Mask", .state: "State", .initialDate: "Initial Date",
        .activationDate: "Activation Date", .deactivationDate: "Deactivation Date", .lastChangeDate: "Last Change Date",
        .objectGroup: "Object Group", .link: "Link", .digest: "Digest", .destroyDate: "Destroy Date", .cryptographicParameters: "Cryptographic Parameters",
        .certificateType: "Certificate Type", .x509CertificateIdentifier: "X.509 Certificate Identifier",
        .x509CertificateSubject: "X.509 Certificate Subject", .x509CertificateIssuer: "X.509 Certificate Issuer",
        .applicationSpecificInformation: "Application Specific Information", .contactInformation: "Contact Information",
        .processStartDate: "Process Start Date", .protectStopDate: "Protect Stop Date", .sensitive: "Sensitive", .extractable: "Extractable",
        .alwaysSensitive: "Always Sensitive", .neverExtractable: "Never Extractable", .randomNumberGenerator: "Random Number Generator",
        .compromiseDate: "Compromise Date", .compromiseOccurrenceDate: "Compromise Occurrence Date", .revocationReason: "Revocation Reason",
        .shortUniqueIdentifier: "Short Unique Identifier", .originalCreationDate: "Original Creation Date", .keyFormatType: "Key Format Type",
        .description: "Description", .comment: "Comment", .fresh: "Fresh", .alternativeName: "Alternative Name",
        .protectionStorageMask: "Protection Storage Mask",
        .certificateLength: "Certificate Length",
        .certificateSubjectCn: "Certificate Subject CN", .certificateSubjectO: "Certificate Subject O", .certificateSubjectOu: "Certificate Subject OU", .certificateSubjectEmail: "Certificate Subject Email", .certificateSubjectC: "Certificate Subject C", .certificateSubjectSt: "Certificate Subject ST", .certificateSubjectL: "Certificate Subject L", .certificateSubjectUid: "Certificate Subject UID", .certificateSubjectSerialNumber: "Certificate Subject Serial Number", .certificateSubjectTitle: "Certificate Subject Title", .certificateSubjectDc: "Certificate Subject DC", .certificateSubjectDnQualifier: "Certificate Subject DN Qualifier",
        .certificateIssuerCn: "Certificate Issuer CN", .certificateIssuerO: "Certificate Issuer O", .certificateIssuerOu: "Certificate Issuer OU", .certificateIssuerEmail: "Certificate Issuer Email", .certificateIssuerC: "Certificate Issuer C", .certificateIssuerSt: "Certificate Issuer ST", .certificateIssuerL: "Certificate Issuer L", .certificateIssuerUid: "Certificate Issuer UID", .certificateIssuerSerialNumber: "Certificate Issuer Serial Number", .certificateIssuerTitle: "Certificate Issuer Title", .certificateIssuerDc: "Certificate Issuer DC", .certificateIssuerDnQualifier: "Certificate Issuer DN Qualifier",
    ]
    static let all = Set(byTag.values)

    static func name(of tag: TTLVTag) -> String? { byTag[tag] }
}
