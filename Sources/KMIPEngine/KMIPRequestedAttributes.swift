public import KMIP

/// The attributes a Create, Register or Locate carries: KMIP 1.x names them
/// in Attribute structures (inside a Template-Attribute, or bare), KMIP 2.x
/// tags them inside Attributes.
public struct KMIPRequestedAttributes: Sendable {
    public var algorithm: UInt32?
    public var length: Int32?
    public var usageMask: Int32?
    public var names: [String] = []
    public var groups: [String] = []
    public var objectType: UInt32?
    public var state: UInt32?
    /// Seconds since 1970: Active from then on (at once when already past).
    public var activationDate: Int64?
    public var deactivationDate: Int64?
    /// Recommended Curve: an EC key pair's curve.
    public var curve: UInt32?
    /// The key's default Cryptographic Parameters (Encrypt and Decrypt fall back to them).
    public var cryptographicParameters: TTLVItem?
    /// Application Specific Information instances: (Application Namespace, Application Data).
    public var applicationSpecificInformation: [(namespace: String, data: String?)] = []
    /// Contact Information: who to reach about the object.
    public var contactInformation: String?
    /// Alternative Name instances: (Alternative Name Value, Alternative Name Type).
    public var alternativeNames: [(value: String, type: UInt32)] = []
    /// SKLC's dates: from when the key may process data, until when it may protect it.
    public var processStartDate: Int64?
    public var protectStopDate: Int64?
    /// Sensitive (never given in the clear) and Extractable (given at all), when the request names them.
    public var sensitive: Bool?
    public var extractable: Bool?
    /// Client-defined text attributes by their 1.x name: `x-`/`y-` custom
    /// attributes, and 2.x vendor attributes as `<vendor>-<name>`.
    public var custom: [String: String] = [:]
    /// Client-defined attributes of other types than text (an Integer, a Date-Time), by the same names.
    public var typedCustom: [String: TTLVValue] = [:]
    /// KMIP 1.4 on: the object's Description and Comment.
    public var description: String?
    public var comment: String?

    /// Reads them from a request payload, in either encoding and in any version, since clients mix them.
    public init(_ payload: TTLVItem) {
        var result = Self()
        func take(_ tag: TTLVTag, _ value: TTLVItem) {
            switch tag {
            case .cryptographicAlgorithm: result.algorithm = value.enumerationValue
            case .cryptographicLength: result.length = value.integerValue
            case .cryptographicUsageMask: result.usageMask = value.integerValue
            case .name: if let text = value[.nameValue]?.textValue ?? value.textValue { result.names.append(text) }
            case .objectGroup: if let text = value.textValue { result.groups.append(text) }
            case .objectType: result.objectType = value.enumerationValue
            case .state: result.state = value.enumerationValue
            case .activationDate: result.activationDate = value.dateTimeValue
            case .deactivationDate: result.deactivationDate = value.dateTimeValue
            case .recommendedCurve: result.curve = value.enumerationValue
            case .cryptographicParameters: result.cryptographicParameters = .structure(.cryptographicParameters, value.children)
            case .applicationSpecificInformation:
                if let namespace = value[.applicationNamespace]?.textValue {
                    result.applicationSpecificInformation.append((namespace, value[.applicationData]?.textValue))
                }
            case .contactInformation: result.contactInformation = value.textValue
            case .alternativeName:
                if let text = value[.alternativeNameValue]?.textValue, let type = value[.alternativeNameType]?.enumerationValue {
                    result.alternativeNames.append((text, type))
                }
            case .processStartDate: result.processStartDate = value.dateTimeValue
            case .protectStopDate: result.protectStopDate = value.dateTimeValue
            case .sensitive: result.sensitive = value.booleanValue
            case .extractable: result.extractable = value.booleanValue
            case .description: result.description = value.textValue
            case .comment: result.comment = value.textValue
            default: break
            }
        }
        let byName: [String: TTLVTag] = [
            "Cryptographic Algorithm": .cryptographicAlgorithm, "Cryptographic Length": .cryptographicLength,
            "Cryptographic Usage Mask": .cryptographicUsageMask, "Name": .name, "Object Group": .objectGroup,
            "Object Type": .objectType, "State": .state, "Activation Date": .activationDate, "Deactivation Date": .deactivationDate,
            "Cryptographic Parameters": .cryptographicParameters, "Recommended Curve": .recommendedCurve,
            "Application Specific Information": .applicationSpecificInformation, "Contact Information": .contactInformation,
            "Process Start Date": .processStartDate, "Protect Stop Date": .protectStopDate, "Sensitive": .sensitive, "Extractable": .extractable,
            "Description": .description, "Comment": .comment, "Alternative Name": .alternativeName,
        ]
        // KMIP 1.x: Template-Attribute { Attribute { Attribute Name, Attribute Value } }; also bare Attribute items.
        for container in [payload[.templateAttribute], payload[.attributes], Optional(payload)].compactMap({ $0 }) {
            for attribute in container.all(.attribute) {
                if let name = attribute[.attributeName]?.textValue, let tag = byName[name], let value = attribute[.attributeValue] { take(tag, value) }
                if let name = attribute[.attributeName]?.textValue, name.hasPrefix("x-") || name.hasPrefix("y-"), let value = attribute[.attributeValue] {
                    if let text = value.textValue { result.custom[name] = text } else { result.typedCustom[name] = value.value }
                }
            }
        }
        // KMIP 2.x: Attributes { tagged items }.
        for item in payload[.attributes]?.children ?? [] {
            take(item.tag, item)
            // A vendor attribute: Attribute { Vendor Identification, Attribute Name, Attribute Value }.
            if item.tag == .attribute, let vendor = item[.vendorIdentification]?.textValue, !vendor.isEmpty,
               let name = item[.attributeName]?.textValue, let value = item[.attributeValue] {
                if let text = value.textValue { result.custom["\(vendor)-\(name)"] = text } else { result.typedCustom["\(vendor)-\(name)"] = value.value }
            }
        }
        self = result
    }

    private init() {}
}
