import Crypto
import Foundation
import KMIP
public import KMIPEngine
import OpenKCMCore
import OpenKCMPKI
import X509

/// The KMIP handlers for managed objects: each reads its payload in the
/// client's version (KMIP 1.x attributes as named Attribute structures in a
/// Template-Attribute, KMIP 2.x as tagged items in Attributes; either is
/// accepted in any version, since clients mix them), calls the operation, and
/// answers in the client's version.
extension KMIPProtocolEngine {
    public mutating func registerObjectOperations(_ operations: Operations) {
        queryObjectTypes = [.symmetricKey, .secretData, .splitKey, .publicKey, .privateKey, .opaqueData, .certificate]
        undoScope = { answerItems in
            let journal = KMIPBatchJournal()
            await KMIPBatchJournal.$current.withValue(journal) { await answerItems() }
            return { caller in
                guard let caller else { return false }
                return (try? await operations.kmipUndo(journal, caller: caller)) ?? false
            }
        }
        serverCorrelationValue = { $0.correlationID }
        registerServiceOperations(operations)
        register(.create) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                guard payload[.objectType]?.enumerationValue == KMIPObjectType.symmetricKey.rawValue else {
                    throw KMIPOperationError(.featureNotSupported, "Create makes symmetric keys only")
                }
                let attributes = KMIPRequestedAttributes(payload)
                let algorithm = attributes.algorithm.flatMap(KMIPCryptographicAlgorithm.init(rawValue:))
                guard algorithm == .aes || algorithm == .hmacSha256 || algorithm == .chacha20 || algorithm == .chacha20Poly1305 else {
                    throw KMIPOperationError(.featureNotSupported, "Create makes AES, ChaCha20 and HMAC-SHA256 keys")
                }
                let lengths: [Int32] = switch algorithm {
                case .aes?: [128, 192, 256]
                case .hmacSha256?: [128, 256, 512]
                default: [256]
                }
                guard let length = attributes.length, lengths.contains(length) else {
                    throw KMIPOperationError(.invalidField, "Cryptographic Length must be one of \(lengths.map(String.init).joined(separator: ", "))")
                }
                let uid = try await operations.kmipCreateSymmetricKey(algorithm: algorithm!, length: length, usageMask: attributes.usageMask,
                                                                       names: attributes.names, groups: attributes.groups,
                                                                       subject: attributes.custom[KMIPManagedObject.subjectAttribute],
                                                                       activationDate: attributes.activationDate, deactivationDate: attributes.deactivationDate,
                                                                       cryptographicParameters: attributes.cryptographicParameters, attributes: attributes, caller: caller)
                return [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)), TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.createKeyPair) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let pair = try KMIPKeyPairRequest(payload)
                let (privateUID, publicUID) = try await operations.kmipCreateKeyPair(
                    privateKey: pair.privateKey, publicKey: pair.publicKey, algorithm: pair.algorithm, length: pair.length, curve: pair.curve, caller: caller)
                return [TTLVItem(.privateKeyUniqueIdentifier, .textString(privateUID)), TTLVItem(.publicKeyUniqueIdentifier, .textString(publicUID))]
            }
        }
        register(.deriveKey) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let type = payload[.objectType]?.enumerationValue
                guard type == KMIPObjectType.symmetricKey.rawValue || type == KMIPObjectType.secretData.rawValue else {
                    throw KMIPOperationError(.invalidField, "Derive Key makes a symmetric key or secret data")
                }
                let bases = payload.all(.uniqueIdentifier)
                guard bases.count == 1, let baseUID = bases[0].textValue else {
                    throw KMIPOperationError(bases.count > 1 ? .featureNotSupported : .invalidField, "Derive Key takes one base object's Unique Identifier")
                }
                let derivation = try KMIPKeyDerivation(payload)
                let attributes = KMIPRequestedAttributes(payload)
                guard let length = attributes.length else { throw KMIPOperationError(.invalidField, "the derived object needs a Cryptographic Length") }
                if type == KMIPObjectType.symmetricKey.rawValue {
                    let allowed: [Int32]? = switch attributes.algorithm.flatMap(KMIPCryptographicAlgorithm.init(rawValue:)) {
                    case .aes?: [128, 192, 256]
                    case .chacha20?, .chacha20Poly1305?: [256]
                    default: nil
                    }
                    if let allowed, !allowed.contains(length) {
                        throw KMIPOperationError(.invalidField, "this algorithm's keys are \(allowed.map(String.init).joined(separator: ", ")) bits")
                    }
                }
                var object = KMIPManagedObject(
                    uniqueIdentifier: "", tenant: "", service: "", objectType: type ?? 0, cryptographicAlgorithm: attributes.algorithm,
                    cryptographicLength: length, cryptographicUsageMask: attributes.usageMask, state: KMIPState.preActive.rawValue,
                    names: attributes.names, objectGroups: attributes.groups, initialDate: 0, lastChangeDate: 0, wrappedKey: Data(), sealedMaterial: Data())
                object.keyFormatType = type == KMIPObjectType.secretData.rawValue ? KMIPKeyFormatType.opaque.rawValue : KMIPKeyFormatType.raw.rawValue
                if type == KMIPObjectType.secretData.rawValue { object.secretDataType = KMIPSecretDataType.seed.rawValue }
                object.activationDate = attributes.activationDate
                object.deactivationDate = attributes.deactivationDate
                object.cryptographicParameters = attributes.cryptographicParameters.map { Data(TTLVEncoder.encode($0)) }
                try object.adopt(attributes)
                if let subject = attributes.custom[KMIPManagedObject.subjectAttribute] { object.customAttributes = [KMIPManagedObject.subjectAttribute: subject] }
                let uid = try await operations.kmipDeriveKey(from: baseUID, derived: object, version: request.version, caller: caller) { base, material in
                    try derivation.derive(from: material, length: length, baseAlgorithm: base.cryptographicAlgorithm)
                }
                return [TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.sign) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                guard payload[.digestedData] == nil else { throw KMIPOperationError(.featureNotSupported, "Sign takes Data; Digested Data is not served") }
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Sign needs Data") }
                let signature = try await operations.kmipUseObject(.sign, uid, version: request.version, caller: caller) { object, material in
                    var key = try KMIPAsymmetricKey(stored: material, of: object)
                    defer { key.zeroize() }
                    return try key.sign(data, parameters: Self.parameters(payload, object))
                }
                return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.signatureData, .byteString(signature))]
            }
        }
        register(.signatureVerify) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                guard let data = payload[.data]?.bytesValue, let signature = payload[.signatureData]?.bytesValue else {
                    throw KMIPOperationError(.invalidField, "Signature Verify needs Data and Signature Data")
                }
                let valid = try await operations.kmipUseObject(.signatureVerify, uid, version: request.version, caller: caller) { object, material in
                    try KMIPAsymmetricKey(stored: material, of: object).verify(data, signature: signature, parameters: Self.parameters(payload, object))
                }
                let indicator: KMIPValidityIndicator = valid ? .valid : .invalid
                return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.validityIndicator, .enumeration(indicator.rawValue))]
            }
        }
        register(.register) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let attributes = KMIPRequestedAttributes(payload)
                let type = payload[.objectType]?.enumerationValue
                // Opaque objects and certificates carry no Key Block.
                if type == KMIPObjectType.opaqueData.rawValue || type == KMIPObjectType.certificate.rawValue {
                    let (object, material) = try Self.registeredWithoutKeyBlock(payload, type: type ?? 0, attributes: attributes)
                    let uid = try await operations.kmipRegister(object, material: material, caller: caller)
                    return [TTLVItem(.uniqueIdentifier, .textString(uid))]
                }
                let container: TTLVItem?
                switch type {
                case KMIPObjectType.symmetricKey.rawValue?: container = payload[.symmetricKey]
                case KMIPObjectType.secretData.rawValue?: container = payload[.secretData]
                case KMIPObjectType.publicKey.rawValue?: container = payload[.publicKey]
                case KMIPObjectType.privateKey.rawValue?: container = payload[.privateKey]
                case KMIPObjectType.splitKey.rawValue?: container = payload[.splitKey]
                default: throw KMIPOperationError(.featureNotSupported, "Register takes keys (symmetric, split, public, private), secret data, opaque objects and certificates")
                }
                guard let block = container?[.keyBlock], let keyValue = block[.keyValue] else {
                    throw KMIPOperationError(.invalidField, "the object has no Key Block with a Key Value")
                }
                guard block[.keyWrappingData] == nil else {
                    throw KMIPOperationError(.featureNotSupported, "wrapped objects are not registered: register the key in the clear over this TLS session")
                }
                // A Key Value is a structure holding Key Material (bytes, or for a Transparent Symmetric Key a structure
                // holding Key), or the material itself when it is wrapped or opaque.
                let keyMaterial = keyValue[.keyMaterial]
                guard var material = keyMaterial?.bytesValue ?? keyMaterial?[.key]?.bytesValue ?? keyValue.bytesValue,
                      !material.isEmpty, material.count <= 4096 else {
                    throw KMIPOperationError(.invalidField, "the Key Material must be 1 to 4096 bytes")
                }
                defer { material.zeroize() }
                var object = KMIPManagedObject(
                    uniqueIdentifier: "", tenant: "", service: "", objectType: type ?? 0,
                    cryptographicAlgorithm: nil, cryptographicLength: nil, cryptographicUsageMask: attributes.usageMask,
                    state: KMIPState.preActive.rawValue, names: attributes.names, objectGroups: attributes.groups,
                    initialDate: 0, lastChangeDate: 0, wrappedKey: Data(), sealedMaterial: Data())
                object.keyFormatType = block[.keyFormatType]?.enumerationValue
                try object.adopt(attributes)
                object.activationDate = attributes.activationDate
                object.deactivationDate = attributes.deactivationDate
                object.cryptographicParameters = attributes.cryptographicParameters.map { Data(TTLVEncoder.encode($0)) }
                // The key's subject, if any: the material is sealed under it, and shredded with it.
                if let subject = attributes.custom[KMIPManagedObject.subjectAttribute] {
                    object.customAttributes = [KMIPManagedObject.subjectAttribute: subject]
                }
                if type == KMIPObjectType.publicKey.rawValue || type == KMIPObjectType.privateKey.rawValue {
                    // Kept in the key's default format (PKCS#1 for RSA); Get gives it back in the format registered.
                    var key = try KMIPAsymmetricKey(material: material, format: object.keyFormatType ?? 0, isPrivate: type == KMIPObjectType.privateKey.rawValue)
                    defer { key.zeroize() }
                    object.cryptographicAlgorithm = key.algorithm.rawValue
                    object.cryptographicLength = key.bitLength
                    // An EC Private Key (SEC 1) is kept and given back as PKCS#8: no SEC 1 writer here.
                    if object.keyFormatType == KMIPKeyFormatType.ecPrivateKey.rawValue { object.keyFormatType = KMIPKeyFormatType.pkcs8.rawValue }
                    material.zeroize()
                    material = key.bytes
                    let uid = try await operations.kmipRegister(object, material: material, caller: caller)
                    return [TTLVItem(.uniqueIdentifier, .textString(uid))]
                }
                if type == KMIPObjectType.splitKey.rawValue, let container {
                    object.splitKey = try Self.splitKeyPart(container)
                }
                if type == KMIPObjectType.symmetricKey.rawValue || type == KMIPObjectType.splitKey.rawValue {
                    object.cryptographicAlgorithm = block[.cryptographicAlgorithm]?.enumerationValue ?? attributes.algorithm
                    object.cryptographicLength = block[.cryptographicLength]?.integerValue ?? attributes.length ?? Int32(material.count * 8)
                    if object.cryptographicAlgorithm == KMIPCryptographicAlgorithm.aes.rawValue, ![16, 24, 32].contains(material.count) {
                        throw KMIPOperationError(.invalidField, "an AES key is 16, 24 or 32 bytes")
                    }
                    let chacha = [KMIPCryptographicAlgorithm.chacha20, .chacha20Poly1305].map(\.rawValue)
                    if let algorithm = object.cryptographicAlgorithm, chacha.contains(algorithm), material.count != 32 {
                        throw KMIPOperationError(.invalidField, "a ChaCha20 key is 32 bytes")
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
                let filter = try KMIPLocateFilter(payload)
                let uids = try await operations.kmipLocate({ object in
                    filter.matches(object, attributes: Self.objectAttributes(object, version: request.version))
                }, caller: caller)
                let offset = max(0, Int(payload[.offsetItems]?.integerValue ?? 0))
                let maximum = payload[.maximumItems]?.integerValue.map { max(0, Int($0)) } ?? Int.max
                let page = uids.dropFirst(offset).prefix(maximum)
                var items: [TTLVItem] = []
                // Located Items (KMIP 1.3 on): how many matched before Offset and Maximum Items.
                if request.version.defines(.locatedItems) { items.append(TTLVItem(.locatedItems, .integer(Int32(clamping: uids.count)))) }
                return items + page.map { TTLVItem(.uniqueIdentifier, .textString($0)) }
            }
        }
        register(.check) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                try await operations.kmipCheck(uid, usageMask: payload[.cryptographicUsageMask]?.integerValue, version: request.version, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(uid))]
            }
        }
        register(.encrypt) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Encrypt needs Data") }
                let (ciphertext, madeIV, tag) = try await operations.kmipUseObject(.encrypt, uid, version: request.version, caller: caller) { object, material in
                    // An RSA public key encrypts with OAEP; an AES key as its Cryptographic Parameters say.
                    if object.objectType == KMIPObjectType.publicKey.rawValue {
                        let ciphertext = try KMIPAsymmetricKey(stored: material, of: object).encrypt(data, parameters: Self.parameters(payload, object))
                        return (ciphertext, nil as [UInt8]?, nil as [UInt8]?)
                    }
                    return try KMIPCipher(payload, keyParameters: object.cryptographicParametersItem, keyAlgorithm: object.cryptographicAlgorithm).encrypt(data, key: SymmetricKey(data: material))
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
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Decrypt needs Data") }
                let plaintext = try await operations.kmipUseObject(.decrypt, uid, version: request.version, caller: caller) { object, material in
                    if object.objectType == KMIPObjectType.privateKey.rawValue {
                        var key = try KMIPAsymmetricKey(stored: material, of: object)
                        defer { key.zeroize() }
                        return try key.decrypt(data, parameters: Self.parameters(payload, object))
                    }
                    return try KMIPCipher(payload, keyParameters: object.cryptographicParametersItem, keyAlgorithm: object.cryptographicAlgorithm).decrypt(data, key: SymmetricKey(data: material))
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
                let asked = payload[.keyFormatType]?.enumerationValue
                let asymmetricFormats = [KMIPKeyFormatType.pkcs1, .pkcs8, .x509, .ecPrivateKey].map(\.rawValue)
                if let asked, ![KMIPKeyFormatType.raw, .opaque, .transparentSymmetricKey].map(\.rawValue).contains(asked), !asymmetricFormats.contains(asked) {
                    throw KMIPOperationError(.keyFormatTypeNotSupported, "objects are given in Raw or Transparent Symmetric Key (keys), or Opaque (secret data) format")
                }
                let wrapping = try payload[.keyWrappingSpecification].map { spec throws(KMIPOperationError) in try KMIPKeyWrapping(spec) }
                var (object, material) = if let wrapping {
                    try await operations.kmipGetWrapped(uid, wrappingKey: wrapping.wrappingKeyID, version: request.version, caller: caller) { object, material, kek in
                        guard Self.isAsymmetric(object) else { return try wrapping.wrap(material, kek: kek) }
                        // A public or private key is wrapped in the format asked (else its own): PKCS#8 under AES-KWP is what HSMs import.
                        var key = try KMIPAsymmetricKey(stored: material, of: object)
                        defer { key.zeroize() }
                        var (_, bytes) = try key.encoded(as: asked ?? object.keyFormatType)
                        defer { bytes.zeroize() }
                        return try wrapping.wrap(bytes, kek: kek)
                    }
                } else {
                    try await operations.kmipGet(uid, version: request.version, caller: caller)
                }
                defer { material.zeroize() }
                if object.objectType == KMIPObjectType.opaqueData.rawValue {
                    return [TTLVItem(.objectType, .enumeration(object.objectType)), TTLVItem(.uniqueIdentifier, .textString(uid)),
                            .structure(.opaqueObject, [TTLVItem(.opaqueDataType, .enumeration(object.opaqueDataType ?? 0)), TTLVItem(.opaqueDataValue, .byteString(material))])]
                }
                if object.objectType == KMIPObjectType.certificate.rawValue {
                    return [TTLVItem(.objectType, .enumeration(object.objectType)), TTLVItem(.uniqueIdentifier, .textString(uid)),
                            .structure(.certificate, [TTLVItem(.certificateType, .enumeration(object.certificateType ?? 1)), TTLVItem(.certificateValue, .byteString(material))])]
                }
                if Self.isAsymmetric(object) {
                    if let wrapping {
                        // Wrapped in the format asked (else the key's own), which the Key Block names.
                        var block: [TTLVItem] = [TTLVItem(.keyFormatType, .enumeration(asked ?? object.keyFormatType ?? KMIPKeyFormatType.pkcs8.rawValue)),
                                                 TTLVItem(.keyValue, .byteString(material))]
                        if let algorithm = object.cryptographicAlgorithm { block.append(TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm))) }
                        if let length = object.cryptographicLength { block.append(TTLVItem(.cryptographicLength, .integer(length))) }
                        block.append(wrapping.keyWrappingData)
                        let tag: TTLVTag = object.objectType == KMIPObjectType.privateKey.rawValue ? .privateKey : .publicKey
                        return [TTLVItem(.objectType, .enumeration(object.objectType)), TTLVItem(.uniqueIdentifier, .textString(uid)),
                                .structure(tag, [.structure(.keyBlock, block)])]
                    }
                    return try Self.asymmetricGet(object, material: material, format: asked)
                }
                // The format asked for, else the one the object was registered in; a symmetric key is Raw or
                // Transparent Symmetric Key, a secret Opaque (or what it was registered as).
                let format = asked ?? object.keyFormatType ?? KMIPKeyFormatType.raw.rawValue
                let served: [KMIPKeyFormatType] = switch object.objectType {
                case KMIPObjectType.symmetricKey.rawValue: [.raw, .transparentSymmetricKey]
                case KMIPObjectType.splitKey.rawValue: [.raw]
                default: [.opaque, .raw]
                }
                if let asked, asked != object.keyFormatType, !served.map(\.rawValue).contains(asked) {
                    throw KMIPOperationError(.keyFormatTypeNotSupported, "this object is given as \(served.map { "\($0)" }.joined(separator: " or "))")
                }
                let transparent = format == KMIPKeyFormatType.transparentSymmetricKey.rawValue
                if transparent && (object.objectType != KMIPObjectType.symmetricKey.rawValue || wrapping != nil) {
                    throw KMIPOperationError(.keyFormatTypeNotSupported, "Transparent Symmetric Key is a symmetric key's format, not wrapped")
                }
                let keyMaterial = transparent ? TTLVItem.structure(.keyMaterial, [TTLVItem(.key, .byteString(material))])
                    : TTLVItem(.keyMaterial, .byteString(material))
                var block: [TTLVItem] = [
                    TTLVItem(.keyFormatType, .enumeration(format)),
                    // A wrapped Key Value is the wrapped bytes themselves.
                    wrapping == nil ? .structure(.keyValue, [keyMaterial]) : TTLVItem(.keyValue, .byteString(material)),
                ]
                if let algorithm = object.cryptographicAlgorithm { block.append(TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm))) }
                if let length = object.cryptographicLength { block.append(TTLVItem(.cryptographicLength, .integer(length))) }
                if let wrapping { block.append(wrapping.keyWrappingData) }
                let body: TTLVItem = switch object.objectType {
                case KMIPObjectType.secretData.rawValue:
                    .structure(.secretData, [TTLVItem(.secretDataType, .enumeration(object.secretDataType ?? KMIPSecretDataType.seed.rawValue)),
                                             .structure(.keyBlock, block)])
                case KMIPObjectType.splitKey.rawValue:
                    .structure(.splitKey, Self.splitKeyFields(object.splitKey) + [.structure(.keyBlock, block)])
                default:
                    .structure(.symmetricKey, [.structure(.keyBlock, block)])
                }
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
                    let answered = try await operations.kmipChangeAttribute(uid, caller: caller) { object throws -> KMIPAttributeChange.Answer? in
                        try change.apply(to: &object)
                    }
                    var items = [TTLVItem(.uniqueIdentifier, .textString(uid))]
                    // KMIP 1.x echoes the attribute with the instance's index; 2.x answers with the identifier alone.
                    if request.version < .v2_0, let answered {
                        items.append(.structure(.attribute, [TTLVItem(.attributeName, .textString(change.name)),
                                                             TTLVItem(.attributeIndex, .integer(Int32(clamping: answered.index))), answered.value]))
                    }
                    return items
                }
            }
        }
        register(.rekey) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                let newUID = try await operations.kmipReKey(uid, offset: Self.offset(payload), version: request.version, caller: caller)
                return [TTLVItem(.uniqueIdentifier, .textString(newUID))]
            }
        }
        register(.rekeyKeyPair) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                // The private key's identifier: Private Key Unique Identifier, or the ID Placeholder.
                guard let uid = payload[.privateKeyUniqueIdentifier]?.textValue ?? payload[.uniqueIdentifier]?.textValue else {
                    throw KMIPOperationError(.invalidField, "ReKey Key Pair needs the Private Key Unique Identifier")
                }
                let (privateUID, publicUID) = try await operations.kmipReKeyKeyPair(uid, offset: Self.offset(payload), version: request.version, caller: caller)
                return [TTLVItem(.privateKeyUniqueIdentifier, .textString(privateUID)), TTLVItem(.publicKeyUniqueIdentifier, .textString(publicUID))]
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
                let reason = payload[.revocationReason]
                try await operations.kmipRevoke(uid, reason: reason?[.revocationReasonCode]?.enumerationValue, message: reason?[.revocationMessage]?.textValue,
                                                compromiseOccurred: payload[.compromiseOccurrenceDate]?.dateTimeValue, version: request.version, caller: caller)
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
            var failure = KMIPOperationError.from(error)
            // The versions name a missing or destroyed object differently: 1.x has Item Not Found for both,
            // 2.x Object Not Found and Object Destroyed.
            switch (failure.reason, request.version >= .v2_0) {
            case (.itemNotFound, true): failure.reason = .objectNotFound
            case (.objectNotFound, false), (.objectDestroyed, false): failure.reason = .itemNotFound
            default: break
            }
            throw failure
        }
    }

    /// A Register of an Opaque Object (its Opaque Data Type and Value) or an
    /// X.509 Certificate (checked by parsing it): the record and its material.
    static func registeredWithoutKeyBlock(_ payload: TTLVItem, type: UInt32, attributes: KMIPRequestedAttributes) throws -> (KMIPManagedObject, [UInt8]) {
        var object = KMIPManagedObject(
            uniqueIdentifier: "", tenant: "", service: "", objectType: type, cryptographicAlgorithm: nil, cryptographicLength: nil,
            cryptographicUsageMask: attributes.usageMask, state: KMIPState.preActive.rawValue, names: attributes.names, objectGroups: attributes.groups,
            initialDate: 0, lastChangeDate: 0, wrappedKey: Data(), sealedMaterial: Data())
        object.activationDate = attributes.activationDate
        object.deactivationDate = attributes.deactivationDate
        try object.adopt(attributes)
        if let subject = attributes.custom[KMIPManagedObject.subjectAttribute] { object.customAttributes = [KMIPManagedObject.subjectAttribute: subject] }
        if type == KMIPObjectType.opaqueData.rawValue {
            guard let opaque = payload[.opaqueObject], let kind = opaque[.opaqueDataType]?.enumerationValue,
                  let value = opaque[.opaqueDataValue]?.bytesValue, (1...65_536).contains(value.count)
            else { throw KMIPOperationError(.invalidField, "an Opaque Object needs an Opaque Data Type and a value of 1 to 65536 bytes") }
            object.opaqueDataType = kind
            return (object, value)
        }
        guard let certificate = payload[.certificate], let value = certificate[.certificateValue]?.bytesValue else {
            throw KMIPOperationError(.invalidField, "a Certificate needs a Certificate Type and a Certificate Value")
        }
        guard certificate[.certificateType]?.enumerationValue == 1 else { throw KMIPOperationError(.featureNotSupported, "certificates are X.509") }
        let parsed: Certificate
        do { parsed = try Certificate.parseAnchor(derEncoded: value) } catch { throw KMIPOperationError(.invalidField, "the Certificate Value is not an X.509 certificate (DER)") }
        object.certificateType = 1
        object.certificateSubject = Data(parsed.subjectDER)
        object.certificateIssuer = Data(parsed.issuerDER)
        object.certificateSerialNumber = Data(parsed.serialNumberBytes)
        return (object, value)
    }

    /// A registered Split Key's fields: which part of how many, the threshold that joins them, the method
    /// (and a prime field's size). The part's Key Block is kept like a symmetric key's.
    static func splitKeyPart(_ container: TTLVItem) throws -> KMIPManagedObject.SplitKeyPart {
        guard let parts = container[.splitKeyParts]?.integerValue, let identifier = container[.keyPartIdentifier]?.integerValue,
              let threshold = container[.splitKeyThreshold]?.integerValue, let method = container[.splitKeyMethod]?.enumerationValue
        else { throw KMIPOperationError(.invalidField, "a Split Key needs Split Key Parts, Key Part Identifier, Split Key Threshold and Split Key Method") }
        guard (1...255).contains(parts), (1...parts).contains(identifier), (1...parts).contains(threshold) else {
            throw KMIPOperationError(.invalidField, "a Split Key has 1 to 255 parts, a Key Part Identifier and a Threshold among them")
        }
        guard let known = KMIPSplitKeyMethod(rawValue: method) else { throw KMIPOperationError(.invalidField, "unknown Split Key Method") }
        let prime = container[.primeFieldSize].flatMap { item -> [UInt8]? in
            if case .bigInteger(let bytes) = item.value { return bytes }
            return nil
        }
        guard (known == .polynomialSharingPrimeField) == (prime != nil), (prime?.count ?? 0) <= 512 else {
            throw KMIPOperationError(.invalidField, "a Prime Field Size (Big Integer) goes with Polynomial Sharing Prime Field, and only with it")
        }
        if known == .xor, threshold != parts { throw KMIPOperationError(.invalidField, "an XOR split needs every part: its threshold is its parts") }
        return KMIPManagedObject.SplitKeyPart(parts: parts, identifier: identifier, threshold: threshold, method: method, primeFieldSize: prime.map { Data($0) })
    }

    /// A Split Key's fields as Get answers them, before its Key Block.
    static func splitKeyFields(_ part: KMIPManagedObject.SplitKeyPart?) -> [TTLVItem] {
        guard let part else { return [] }
        var fields = [TTLVItem(.splitKeyParts, .integer(part.parts)), TTLVItem(.keyPartIdentifier, .integer(part.identifier)),
                      TTLVItem(.splitKeyThreshold, .integer(part.threshold)), TTLVItem(.splitKeyMethod, .enumeration(part.method))]
        if let prime = part.primeFieldSize { fields.append(TTLVItem(.primeFieldSize, .bigInteger(Array(prime)))) }
        return fields
    }

    /// The request's Cryptographic Parameters, each field it leaves out taken from the key's own.
    /// A request that names the scheme (Digital Signature Algorithm, Padding Method or Hashing Algorithm)
    /// takes none of those from the key, so a stored scheme never overrides part of the one asked for.
    static func parameters(_ payload: TTLVItem, _ object: KMIPManagedObject) -> TTLVItem? {
        let given = payload[.cryptographicParameters]
        let scheme: Set<TTLVTag> = [.digitalSignatureAlgorithm, .paddingMethod, .hashingAlgorithm]
        var stored = object.cryptographicParametersItem
        if let given, given.children.contains(where: { scheme.contains($0.tag) }), let kept = stored {
            stored = .structure(.cryptographicParameters, kept.children.filter { !scheme.contains($0.tag) })
        }
        return given == nil && stored == nil ? nil : KMIPCipher.merged(given, over: stored)
    }

    /// ReKey's and ReKey Key Pair's Offset: seconds, as an Interval (or an Integer some clients send).
    static func offset(_ payload: TTLVItem) -> Int64? {
        payload[.offset].flatMap { item -> Int64? in
            if case .interval(let seconds) = item.value { return Int64(seconds) }
            return item.integerValue.map(Int64.init)
        }
    }

    /// How generated material was made. Symmetric keys come from the operating system's CSPRNG (swift-crypto
    /// fills SymmetricKey from SystemRandomNumberGenerator, getrandom(2)), which is no SP 800-90A DRBG KMIP can
    /// name: Unspecified. RSA and EC keys are generated by BoringSSL, whose RAND_bytes is a CTR-DRBG (AES-256).
    static func randomNumberGenerator(_ object: KMIPManagedObject) -> [TTLVItem] {
        guard isAsymmetric(object) else { return [TTLVItem(.rngAlgorithm, .enumeration(KMIPRNGAlgorithm.unspecified.rawValue))] }
        return [TTLVItem(.rngAlgorithm, .enumeration(KMIPRNGAlgorithm.drbg.rawValue)),
                TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)), TTLVItem(.cryptographicLength, .integer(256)),
                TTLVItem(.drbgAlgorithm, .enumeration(KMIPDRBGAlgorithm.ctr.rawValue))]
    }

    static func isAsymmetric(_ object: KMIPManagedObject) -> Bool {
        object.objectType == KMIPObjectType.publicKey.rawValue || object.objectType == KMIPObjectType.privateKey.rawValue
    }

    /// Get of a public or private key: in the format asked, else the one it was registered in.
    static func asymmetricGet(_ object: KMIPManagedObject, material: [UInt8], format: UInt32?) throws -> [TTLVItem] {
        var key = try KMIPAsymmetricKey(stored: material, of: object)
        defer { key.zeroize() }
        var (chosen, bytes) = try key.encoded(as: format ?? object.keyFormatType)
        defer { bytes.zeroize() }
        let block: [TTLVItem] = [
            TTLVItem(.keyFormatType, .enumeration(chosen.rawValue)),
            .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(bytes))]),
            TTLVItem(.cryptographicAlgorithm, .enumeration(key.algorithm.rawValue)),
            TTLVItem(.cryptographicLength, .integer(key.bitLength)),
        ]
        let tag: TTLVTag = object.objectType == KMIPObjectType.privateKey.rawValue ? .privateKey : .publicKey
        return [TTLVItem(.objectType, .enumeration(object.objectType)), TTLVItem(.uniqueIdentifier, .textString(object.uniqueIdentifier)),
                .structure(tag, [.structure(.keyBlock, block)])]
    }

    /// The format the Digest is computed in: the object type's default (what the material is stored as).
    static func digestFormat(_ object: KMIPManagedObject) -> KMIPKeyFormatType {
        switch object.objectType {
        // The spec asks the field of keys and secret data only; clients such as PyKMIP read it always, so a
        // certificate's or opaque object's digest (of its value's bytes, as they are) says Opaque.
        case KMIPObjectType.certificate.rawValue, KMIPObjectType.opaqueData.rawValue: .opaque
        case KMIPObjectType.secretData.rawValue: .opaque
        case KMIPObjectType.privateKey.rawValue: object.cryptographicAlgorithm == KMIPCryptographicAlgorithm.rsa.rawValue ? .pkcs1 : .pkcs8
        case KMIPObjectType.publicKey.rawValue: object.cryptographicAlgorithm == KMIPCryptographicAlgorithm.rsa.rawValue ? .pkcs1 : .x509
        default: .raw
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
        let all = objectAttributes(object, version: version)

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

    /// Every attribute the object has, by its KMIP 1.x name, as the version
    /// encodes it (a 2.x vendor attribute is its Attribute structure).
    static func objectAttributes(_ object: KMIPManagedObject, version: KMIPVersion) -> [(name: String, item: TTLVItem)] {
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
        if let value = object.cryptographicParametersItem { all.append(("Cryptographic Parameters", value)) }
        if let value = object.activationDate { all.append(("Activation Date", TTLVItem(.activationDate, .dateTime(value)))) }
        if let value = object.deactivationDate { all.append(("Deactivation Date", TTLVItem(.deactivationDate, .dateTime(value)))) }
        if let value = object.destroyDate { all.append(("Destroy Date", TTLVItem(.destroyDate, .dateTime(value)))) }
        if let value = object.compromiseOccurrenceDate { all.append(("Compromise Occurrence Date", TTLVItem(.compromiseOccurrenceDate, .dateTime(value)))) }
        if let value = object.compromiseDate { all.append(("Compromise Date", TTLVItem(.compromiseDate, .dateTime(value)))) }
        if let code = object.revocationReasonCode {
            all.append(("Revocation Reason", .structure(.revocationReason, [TTLVItem(.revocationReasonCode, .enumeration(code))]
                + (object.revocationMessage.map { [TTLVItem(.revocationMessage, .textString($0))] } ?? []))))
        }
        // KMIP 2.x identification: a short identifier (SHA-256 of the Unique Identifier), the date the object was first
        // made (here: when it was made or registered here), and the Key Format Type its material is kept in.
        all.append(("Short Unique Identifier", TTLVItem(.shortUniqueIdentifier, .byteString(Array(SHA256.hash(data: Array(object.uniqueIdentifier.utf8)))))))
        all.append(("Original Creation Date", TTLVItem(.originalCreationDate, .dateTime(object.initialDate))))
        if version >= .v2_0, let format = object.keyFormatType, object.objectType != KMIPObjectType.certificate.rawValue,
           object.objectType != KMIPObjectType.opaqueData.rawValue {
            all.append(("Key Format Type", TTLVItem(.keyFormatType, .enumeration(format))))
        }
        if let value = object.certificateType { all.append(("Certificate Type", TTLVItem(.certificateType, .enumeration(value)))) }
        if object.objectType == KMIPObjectType.certificate.rawValue, let subject = object.certificateSubject, let issuer = object.certificateIssuer,
           let serial = object.certificateSerialNumber {
            all.append(("X.509 Certificate Identifier", .structure(.x509CertificateIdentifier, [
                TTLVItem(.issuerDistinguishedName, .byteString(Array(issuer))), TTLVItem(.certificateSerialNumber, .byteString(Array(serial)))])))
            all.append(("X.509 Certificate Subject", .structure(.x509CertificateSubject, [TTLVItem(.subjectDistinguishedName, .byteString(Array(subject)))])))
            all.append(("X.509 Certificate Issuer", .structure(.x509CertificateIssuer, [TTLVItem(.issuerDistinguishedName, .byteString(Array(issuer)))])))
        }
        if let digest = object.digest {
            // SHA-256 of the Key Material's bytes in the object type's default format (Raw for symmetric keys, Opaque for secret
            // data, PKCS#1 for RSA keys), as KMIP 2.x says.
            all.append(("Digest", .structure(.digest, [
                TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha256.rawValue)), TTLVItem(.digestValue, .byteString(Array(digest))),
                TTLVItem(.keyFormatType, .enumeration(Self.digestFormat(object).rawValue)),
            ])))
        }
        for information in object.applicationSpecificInformation ?? [] {
            all.append(("Application Specific Information", .structure(.applicationSpecificInformation,
                [TTLVItem(.applicationNamespace, .textString(information.namespace))]
                + (information.data.map { [TTLVItem(.applicationData, .textString($0))] } ?? []))))
        }
        if let value = object.contactInformation { all.append(("Contact Information", TTLVItem(.contactInformation, .textString(value)))) }
        if let value = object.processStartDate { all.append(("Process Start Date", TTLVItem(.processStartDate, .dateTime(value)))) }
        if let value = object.protectStopDate { all.append(("Protect Stop Date", TTLVItem(.protectStopDate, .dateTime(value)))) }
        // Sensitive and Extractable hold for every object (false and true unless set); Always Sensitive and Never
        // Extractable as they were at the object's making, for objects made since they were kept.
        if object.objectType != KMIPObjectType.certificate.rawValue && object.objectType != KMIPObjectType.opaqueData.rawValue {
            all.append(("Sensitive", TTLVItem(.sensitive, .boolean(object.sensitive ?? false))))
            all.append(("Extractable", TTLVItem(.extractable, .boolean(object.extractable ?? true))))
            if let value = object.alwaysSensitive { all.append(("Always Sensitive", TTLVItem(.alwaysSensitive, .boolean(value)))) }
            if let value = object.neverExtractable { all.append(("Never Extractable", TTLVItem(.neverExtractable, .boolean(value)))) }
        }
        if object.generatedHere == true {
            all.append(("Random Number Generator", .structure(.randomNumberGenerator, Self.randomNumberGenerator(object))))
        }
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

        return all
    }
}
