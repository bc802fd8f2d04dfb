import KMIP
import OpenKCMCore

/// The KMIP handlers for managed objects: each reads its payload in the
/// client's version (KMIP 1.x attributes as named Attribute structures in a
/// Template-Attribute, KMIP 2.x as tagged items in Attributes; either is
/// accepted in any version, since clients mix them), calls the operation, and
/// answers in the client's version.
extension KMIPProtocolEngine {
    public mutating func registerObjectOperations(_ operations: Operations) {
        queryObjectTypes = [.symmetricKey]
        register(.create) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                guard payload[.objectType]?.enumerationValue == KMIPObjectType.symmetricKey.rawValue else {
                    throw KMIPOperationError(.featureNotSupported, "Create makes symmetric keys only")
                }
                let attributes = Self.attributes(payload)
                guard attributes.algorithm == KMIPCryptographicAlgorithm.aes.rawValue else {
                    throw KMIPOperationError(.featureNotSupported, "only AES keys are created")
                }
                guard let length = attributes.length, [128, 192, 256].contains(length) else {
                    throw KMIPOperationError(.invalidField, "Cryptographic Length must be 128, 192 or 256")
                }
                let uid = try await operations.kmipCreateSymmetricKey(length: length, usageMask: attributes.usageMask,
                                                                       names: attributes.names, groups: attributes.groups, caller: caller)
                return [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)), TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.get) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                if let format = payload[.keyFormatType]?.enumerationValue, format != KMIPKeyFormatType.raw.rawValue {
                    throw KMIPOperationError(.keyFormatTypeNotSupported, "keys are given in Raw format")
                }
                if payload[.keyWrappingSpecification] != nil {
                    throw KMIPOperationError(.featureNotSupported, "wrapped Get is not supported yet")
                }
                var (object, material) = try await operations.kmipGet(uid, caller: caller)
                defer { material.zeroize() }
                var block: [TTLVItem] = [
                    TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.raw.rawValue)),
                    .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(material))]),
                ]
                if let algorithm = object.cryptographicAlgorithm { block.append(TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm))) }
                if let length = object.cryptographicLength { block.append(TTLVItem(.cryptographicLength, .integer(length))) }
                return [TTLVItem(.objectType, .enumeration(object.objectType)), TTLVItem(.uniqueIdentifier, .textString(uid)),
                        .structure(.symmetricKey, [.structure(.keyBlock, block)])]
            }
        }
        register(.getAttributes) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let object = try await operations.kmipGetAttributes(uid, caller: caller)
                return Self.attributeItems(object, requested: payload, version: request.version)
            }
        }
        register(.activate) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                try await operations.kmipActivate(uid, version: request.version, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.revoke) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let code = payload[.revocationReason]?[.revocationReasonCode]?.enumerationValue
                let compromised = code == KMIPRevocationReasonCode.keyCompromise.rawValue || code == KMIPRevocationReasonCode.caCompromise.rawValue
                try await operations.kmipRevoke(uid, compromised: compromised, version: request.version, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.destroy) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                try await operations.kmipDestroy(uid, version: request.version, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
    }

    /// Runs a handler body with the connection's caller, every error turned into a KMIP reason.
    static func run(_ request: KMIPRequestContext, _ body: (Caller) async throws -> [TTLVItem]) async throws(KMIPOperationError) -> [TTLVItem] {
        guard let caller = request.caller else { throw KMIPOperationError(.permissionDenied, "no client identity") }
        do {
            return try await body(caller)
        } catch {
            throw KMIPOperationError.from(error, version: request.version)
        }
    }

    static func uniqueIdentifier(_ payload: TTLVItem) throws -> String {
        guard let uid = payload[.uniqueIdentifier]?.textValue else {
            throw KMIPOperationError(.invalidField, "a Unique Identifier is required (the ID Placeholder is not supported yet)")
        }
        return uid
    }

    /// The attributes a Create or Register carries, from either encoding.
    struct RequestedAttributes {
        var algorithm: UInt32?
        var length: Int32?
        var usageMask: Int32?
        var names: [String] = []
        var groups: [String] = []
    }

    static func attributes(_ payload: TTLVItem) -> RequestedAttributes {
        var result = RequestedAttributes()
        func take(_ tag: TTLVTag, _ value: TTLVItem) {
            switch tag {
            case .cryptographicAlgorithm: result.algorithm = value.enumerationValue
            case .cryptographicLength: result.length = value.integerValue
            case .cryptographicUsageMask: result.usageMask = value.integerValue
            case .name: if let text = value[.nameValue]?.textValue ?? value.textValue { result.names.append(text) }
            case .objectGroup: if let text = value.textValue { result.groups.append(text) }
            default: break
            }
        }
        let byName: [String: TTLVTag] = [
            "Cryptographic Algorithm": .cryptographicAlgorithm, "Cryptographic Length": .cryptographicLength,
            "Cryptographic Usage Mask": .cryptographicUsageMask, "Name": .name, "Object Group": .objectGroup,
        ]
        // KMIP 1.x: Template-Attribute { Attribute { Attribute Name, Attribute Value } }; also bare Attribute items.
        for container in [payload[.templateAttribute], payload[.attributes], Optional(payload)].compactMap({ $0 }) {
            for attribute in container.all(.attribute) {
                if let name = attribute[.attributeName]?.textValue, let tag = byName[name], let value = attribute[.attributeValue] { take(tag, value) }
            }
        }
        // KMIP 2.x: Attributes { tagged items }.
        for item in payload[.attributes]?.children ?? [] { take(item.tag, item) }
        return result
    }

    /// Get Attributes' answer: KMIP 1.x names each Attribute; 2.x tags them inside Attributes.
    static func attributeItems(_ object: KMIPManagedObject, requested: TTLVItem, version: KMIPVersion) -> [TTLVItem] {
        var all: [(name: String, item: TTLVItem)] = [
            ("Unique Identifier", TTLVItem(.uniqueIdentifier, .textString(object.uniqueIdentifier))),
            ("Object Type", TTLVItem(.objectType, .enumeration(object.objectType))),
            ("State", TTLVItem(.state, .enumeration(object.state))),
            ("Initial Date", TTLVItem(.initialDate, .dateTime(object.initialDate))),
            ("Last Change Date", TTLVItem(.lastChangeDate, .dateTime(object.lastChangeDate))),
        ]
        if let value = object.cryptographicAlgorithm { all.append(("Cryptographic Algorithm", TTLVItem(.cryptographicAlgorithm, .enumeration(value)))) }
        if let value = object.cryptographicLength { all.append(("Cryptographic Length", TTLVItem(.cryptographicLength, .integer(value)))) }
        if let value = object.cryptographicUsageMask { all.append(("Cryptographic Usage Mask", TTLVItem(.cryptographicUsageMask, .integer(value)))) }
        if let value = object.activationDate { all.append(("Activation Date", TTLVItem(.activationDate, .dateTime(value)))) }
        if let value = object.deactivationDate { all.append(("Deactivation Date", TTLVItem(.deactivationDate, .dateTime(value)))) }
        for name in object.names {
            all.append(("Name", .structure(.name, [TTLVItem(.nameValue, .textString(name)), TTLVItem(.nameType, .enumeration(KMIPNameType.uninterpretedTextString.rawValue))])))
        }
        for group in object.objectGroups { all.append(("Object Group", TTLVItem(.objectGroup, .textString(group)))) }
        all = all.filter { version.defines($0.item.tag) }

        let names = Set(requested.all(.attributeName).compactMap(\.textValue))
        let references = Set(requested.all(.attributeReference).compactMap { $0.enumerationValue ?? $0.textValue.map { _ in 0 } })
        var chosen = all
        if !names.isEmpty { chosen = all.filter { names.contains($0.name) } }
        if !references.isEmpty { chosen = all.filter { references.contains($0.item.tag.rawValue) } }
        let uid = TTLVItem(.uniqueIdentifier, .textString(object.uniqueIdentifier))
        if version >= .v2_0 {
            return [uid, .structure(.attributes, chosen.map(\.item))]
        }
        return [uid] + chosen.map { .structure(.attribute, [TTLVItem(.attributeName, .textString($0.name)), attributeValue($0.item)]) }
    }

    /// An attribute's value item, tagged Attribute Value (KMIP 1.x).
    static func attributeValue(_ item: TTLVItem) -> TTLVItem {
        TTLVItem(.attributeValue, item.value)
    }
}
