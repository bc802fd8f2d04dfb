import Crypto
import Foundation
import KMIP
public import KMIPEngine
import OpenKCMCore

/// The KMIP handlers for managed objects: each reads its payload in the
/// client's version (KMIP 1.x attributes as named Attribute structures in a
/// Template-Attribute, KMIP 2.x as tagged items in Attributes; either is
/// accepted in any version, since clients mix them), calls the operation, and
/// answers in the client's version.
extension KMIPProtocolEngine {
    public mutating func registerObjectOperations(_ operations: Operations) {
        queryObjectTypes = [.symmetricKey, .secretData]
        undoScope = { answerItems in
            let journal = KMIPBatchJournal()
            await KMIPBatchJournal.$current.withValue(journal) { await answerItems() }
            return { caller in
                guard let caller else { return false }
                return (try? await operations.kmipUndo(journal, caller: caller)) ?? false
            }
        }
        register(.create) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                guard payload[.objectType]?.enumerationValue == KMIPObjectType.symmetricKey.rawValue else {
                    throw KMIPOperationError(.featureNotSupported, "Create makes symmetric keys only")
                }
                let attributes = KMIPRequestedAttributes(payload)
                let algorithm = attributes.algorithm.flatMap(KMIPCryptographicAlgorithm.init(rawValue:))
                guard algorithm == .aes || algorithm == .hmacSha256 else {
                    throw KMIPOperationError(.featureNotSupported, "Create makes AES and HMAC-SHA256 keys")
                }
                let lengths: [Int32] = algorithm == .aes ? [128, 192, 256] : [128, 256, 512]
                guard let length = attributes.length, lengths.contains(length) else {
                    throw KMIPOperationError(.invalidField, "Cryptographic Length must be one of \(lengths.map(String.init).joined(separator: ", "))")
                }
                let uid = try await operations.kmipCreateSymmetricKey(algorithm: algorithm!, length: length, usageMask: attributes.usageMask,
                                                                       names: attributes.names, groups: attributes.groups,
                                                                       subject: attributes.custom[KMIPManagedObject.subjectAttribute], caller: caller)
                return [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)), TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.register) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let attributes = KMIPRequestedAttributes(payload)
                let type = payload[.objectType]?.enumerationValue
                let container: TTLVItem?
                switch type {
                case KMIPObjectType.symmetricKey.rawValue?: container = payload[.symmetricKey]
                case KMIPObjectType.secretData.rawValue?: container = payload[.secretData]
                default: throw KMIPOperationError(.featureNotSupported, "Register takes symmetric keys and secret data")
                }
                guard let block = container?[.keyBlock], let keyValue = block[.keyValue] else {
                    throw KMIPOperationError(.invalidField, "the object has no Key Block with a Key Value")
                }
                guard block[.keyWrappingData] == nil else {
                    throw KMIPOperationError(.featureNotSupported, "wrapped objects are not registered: register the key in the clear over this TLS session")
                }
                // A Key Value is a structure holding Key Material, or the material itself when it is wrapped or opaque.
                guard var material = keyValue[.keyMaterial]?.bytesValue ?? keyValue.bytesValue, !material.isEmpty, material.count <= 4096 else {
                    throw KMIPOperationError(.invalidField, "the Key Material must be 1 to 4096 bytes")
                }
                defer { material.zeroize() }
                var object = KMIPManagedObject(
                    uniqueIdentifier: "", tenant: "", service: "", objectType: type ?? 0,
                    cryptographicAlgorithm: nil, cryptographicLength: nil, cryptographicUsageMask: attributes.usageMask,
                    state: KMIPState.preActive.rawValue, names: attributes.names, objectGroups: attributes.groups,
                    initialDate: 0, lastChangeDate: 0, wrappedKey: Data(), sealedMaterial: Data())
                object.keyFormatType = block[.keyFormatType]?.enumerationValue
                // The key's subject, if any: the material is sealed under it, and shredded with it.
                if let subject = attributes.custom[KMIPManagedObject.subjectAttribute] {
                    object.customAttributes = [KMIPManagedObject.subjectAttribute: subject]
                }
                if type == KMIPObjectType.symmetricKey.rawValue {
                    object.cryptographicAlgorithm = block[.cryptographicAlgorithm]?.enumerationValue ?? attributes.algorithm
                    object.cryptographicLength = block[.cryptographicLength]?.integerValue ?? attributes.length ?? Int32(material.count * 8)
                    if object.cryptographicAlgorithm == KMIPCryptographicAlgorithm.aes.rawValue, ![16, 24, 32].contains(material.count) {
                        throw KMIPOperationError(.invalidField, "an AES key is 16, 24 or 32 bytes")
                    }
                } else {
                    object.secretDataType = container?[.secretDataType]?.enumerationValue
                }
                let uid = try await operations.kmipRegister(object, material: material, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.locate) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let filter = KMIPRequestedAttributes(payload)
                let uids = try await operations.kmipLocate({ object in
                    (filter.objectType == nil || filter.objectType == object.objectType)
                        && (filter.state == nil || filter.state == object.state)
                        && (filter.algorithm == nil || filter.algorithm == object.cryptographicAlgorithm)
                        && filter.names.allSatisfy(object.names.contains)
                        && filter.groups.allSatisfy(object.objectGroups.contains)
                }, caller: caller)
                let offset = max(0, Int(payload[.offsetItems]?.integerValue ?? 0))
                let maximum = payload[.maximumItems]?.integerValue.map { max(0, Int($0)) } ?? Int.max
                let page = uids.dropFirst(offset).prefix(maximum)
                return [TTLVItem(.locatedItems, .integer(Int32(clamping: uids.count)))] + page.map { TTLVItem(.uniqueIdentifier, .textString($0)) }
            }
        }
        register(.encrypt) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let cipher = try KMIPCipher(payload)
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Encrypt needs Data") }
                let (ciphertext, madeIV, tag) = try await operations.kmipUse(.encrypt, uid, version: request.version, caller: caller) { key in
                    try cipher.encrypt(data, key: key)
                }
                var items = [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(ciphertext))]
                if let madeIV { items.append(TTLVItem(.ivCounterNonce, .byteString(madeIV))) }
                if let tag { items.append(TTLVItem(.authenticatedEncryptionTag, .byteString(tag))) }
                return items
            }
        }
        register(.decrypt) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let cipher = try KMIPCipher(payload)
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Decrypt needs Data") }
                let plaintext = try await operations.kmipUse(.decrypt, uid, version: request.version, caller: caller) { key in
                    try cipher.decrypt(data, key: key)
                }
                return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(plaintext))]
            }
        }
        register(.mac) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                try Self.requireHMACSHA256(payload)
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "MAC needs Data") }
                let mac = try await operations.kmipUse(.mac, uid, version: request.version, caller: caller) { key in
                    Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
                }
                return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.macData, .byteString(mac))]
            }
        }
        register(.macVerify) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                try Self.requireHMACSHA256(payload)
                guard let data = payload[.data]?.bytesValue, let mac = payload[.macData]?.bytesValue else {
                    throw KMIPOperationError(.invalidField, "MAC Verify needs Data and MAC Data")
                }
                // swift-crypto compares in constant time.
                let valid = try await operations.kmipUse(.macVerify, uid, version: request.version, caller: caller) { key in
                    HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data, using: key)
                }
                let indicator: KMIPValidityIndicator = valid ? .valid : .invalid
                return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.validityIndicator, .enumeration(indicator.rawValue))]
            }
        }
        register(.get) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                if let format = payload[.keyFormatType]?.enumerationValue,
                   format != KMIPKeyFormatType.raw.rawValue && format != KMIPKeyFormatType.opaque.rawValue {
                    throw KMIPOperationError(.keyFormatTypeNotSupported, "objects are given in Raw (keys) or Opaque (secret data) format")
                }
                let wrapping = try payload[.keyWrappingSpecification].map { spec throws(KMIPOperationError) in try KMIPKeyWrapping(spec) }
                var (object, material) = if let wrapping {
                    try await operations.kmipGetWrapped(uid, wrappingKey: wrapping.wrappingKeyID, version: request.version, caller: caller) { material, kek in
                        try wrapping.wrap(material, kek: kek)
                    }
                } else {
                    try await operations.kmipGet(uid, caller: caller)
                }
                defer { material.zeroize() }
                let format = object.keyFormatType ?? KMIPKeyFormatType.raw.rawValue
                var block: [TTLVItem] = [
                    TTLVItem(.keyFormatType, .enumeration(format)),
                    // A wrapped Key Value is the wrapped bytes themselves.
                    wrapping == nil ? .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(material))]) : TTLVItem(.keyValue, .byteString(material)),
                ]
                if let algorithm = object.cryptographicAlgorithm { block.append(TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm))) }
                if let length = object.cryptographicLength { block.append(TTLVItem(.cryptographicLength, .integer(length))) }
                if let wrapping { block.append(wrapping.keyWrappingData) }
                let body: TTLVItem = object.objectType == KMIPObjectType.secretData.rawValue
                    ? .structure(.secretData, [TTLVItem(.secretDataType, .enumeration(object.secretDataType ?? KMIPSecretDataType.seed.rawValue)),
                                               .structure(.keyBlock, block)])
                    : .structure(.symmetricKey, [.structure(.keyBlock, block)])
                return [TTLVItem(.objectType, .enumeration(object.objectType)), TTLVItem(.uniqueIdentifier, .textString(uid)), body]
            }
        }
        register(.getAttributes) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let object = try await operations.kmipGetAttributes(uid, caller: caller)
                return Self.attributeItems(object, requested: payload, version: request.version)
            }
        }
        register(.getAttributeList) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let object = try await operations.kmipGetAttributes(uid, listOnly: true, caller: caller)
                // The names the object has (1.x), or their tags as Attribute References (2.x).
                let items = Self.attributeItems(object, requested: .structure(.requestPayload, []), version: request.version)
                let present: [TTLVItem] = request.version >= .v2_0 ? (items.last?.children ?? []) : Array(items.dropFirst())
                var seen = Set<String>()
                var list: [TTLVItem] = [TTLVItem(.uniqueIdentifier, .textString(uid))]
                for item in present {
                    if request.version >= .v2_0 {
                        if item.tag == .attribute, let vendor = item[.vendorIdentification], let name = item[.attributeName] {
                            if seen.insert("\(vendor.textValue ?? "")-\(name.textValue ?? "")").inserted { list.append(.structure(.attributeReference, [vendor, name])) }
                        } else if seen.insert(item.tag.description).inserted {
                            list.append(TTLVItem(.attributeReference, .enumeration(item.tag.rawValue)))
                        }
                    } else if let name = item[.attributeName]?.textValue, seen.insert(name).inserted {
                        list.append(TTLVItem(.attributeName, .textString(name)))
                    }
                }
                return list
            }
        }
        for operation in [KMIPOperation.addAttribute, .modifyAttribute, .deleteAttribute, .setAttribute] {
            register(operation) { payload, request throws(KMIPOperationError) in
                try await Self.run(request) { caller in
                    let uid = try Self.uniqueIdentifier(payload)
                    guard operation != .setAttribute || request.version >= .v2_0 else {
                        throw KMIPOperationError(.operationNotSupported, "Set Attribute is a KMIP 2.x operation")
                    }
                    let change = try KMIPAttributeChange(payload, operation: operation, version: request.version)
                    let answered = try await operations.kmipChangeAttribute(uid, caller: caller) { object throws -> TTLVItem? in
                        try change.apply(to: &object)
                    }
                    var items = [TTLVItem(.uniqueIdentifier, .textString(uid))]
                    // KMIP 1.x echoes the attribute; 2.x answers with the identifier alone.
                    if request.version < .v2_0, let answered {
                        items.append(.structure(.attribute, [TTLVItem(.attributeName, .textString(change.name)), answered]))
                    }
                    return items
                }
            }
        }
        register(.rekey) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let offset = payload[.offset].flatMap { item -> Int64? in
                    if case .interval(let seconds) = item.value { return Int64(seconds) }
                    return item.integerValue.map(Int64.init)
                }
                let newUID = try await operations.kmipReKey(uid, offset: offset, version: request.version, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(newUID))]
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
            throw KMIPOperationError.from(error)
        }
    }

    /// MAC's Cryptographic Parameters, when given, must name HMAC-SHA256.
    static func requireHMACSHA256(_ payload: TTLVItem) throws {
        if let algorithm = payload[.cryptographicParameters]?[.cryptographicAlgorithm]?.enumerationValue,
           algorithm != KMIPCryptographicAlgorithm.hmacSha256.rawValue {
            throw KMIPOperationError(.featureNotSupported, "MAC is HMAC-SHA256")
        }
    }

    static func uniqueIdentifier(_ payload: TTLVItem) throws -> String {
        guard let uid = payload[.uniqueIdentifier]?.textValue else {
            throw KMIPOperationError(.invalidField, "a Unique Identifier is required")
        }
        return uid
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
        for link in object.links ?? [] {
            all.append(("Link", .structure(.link, [TTLVItem(.linkType, .enumeration(link.type)), TTLVItem(.linkedObjectIdentifier, .textString(link.uniqueIdentifier))])))
        }
        all = all.filter { version.defines($0.item.tag) }
        for (name, text) in (object.customAttributes ?? [:]).sorted(by: { $0.key < $1.key }) {
            if version < .v2_0 {
                // KMIP 1.x: a custom attribute is its name and a value.
                all.append((name, TTLVItem(.attributeValue, .textString(text))))
            } else if let dash = name.firstIndex(of: "-") {
                // KMIP 2.x: a vendor attribute, x-Vendor being vendor x's Vendor.
                all.append((name, .structure(.attribute, [
                    TTLVItem(.vendorIdentification, .textString(String(name[..<dash]))),
                    TTLVItem(.attributeName, .textString(String(name[name.index(after: dash)...]))),
                    TTLVItem(.attributeValue, .textString(text)),
                ])))
            }
        }

        // Which attributes: 1.x names them, 2.x references them by tag or vendor and name.
        var names = Set(requested.all(.attributeName).compactMap(\.textValue))
        for reference in requested.all(.attributeReference) {
            if let name = try? KMIPAttributeChange.name(referencedBy: reference) { names.insert(name) }
        }
        let chosen = names.isEmpty ? all : all.filter { names.contains($0.name) }
        let uid = TTLVItem(.uniqueIdentifier, .textString(object.uniqueIdentifier))
        if version >= .v2_0 {
            return [uid, .structure(.attributes, chosen.map(\.item))]
        }
        return [uid] + chosen.map { .structure(.attribute, [TTLVItem(.attributeName, .textString($0.name)), TTLVItem(.attributeValue, $0.item.value)]) }
    }

}
