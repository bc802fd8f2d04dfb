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
                let uid = try await operations.kmipCreateSymmetricKey(algorithm: algorithm!, length: length, attributes: attributes, caller: caller)
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
                var object = try KMIPManagedObject(type: type ?? 0, requested: attributes)
                object.cryptographicAlgorithm = attributes.algorithm
                object.cryptographicLength = length
                object.keyFormatType = type == KMIPObjectType.secretData.rawValue ? KMIPKeyFormatType.opaque.rawValue : KMIPKeyFormatType.raw.rawValue
                if type == KMIPObjectType.secretData.rawValue { object.secretDataType = KMIPSecretDataType.seed.rawValue }
                let uid = try await operations.kmipDeriveKey(from: baseUID, derived: object, encrypting: derivation.method == .encrypt,
                                                             version: request.version, caller: caller) { base, material in
                    try derivation.derive(from: material, length: length, baseAlgorithm: base.cryptographicAlgorithm, baseParameters: base.cryptographicParametersItem)
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
                // A Transparent RSA key: its integers, kept as PKCS#1.
                let transparentRSA = [KMIPKeyFormatType.transparentRsaPublicKey, .transparentRsaPrivateKey].map(\.rawValue)
                if let format = block[.keyFormatType]?.enumerationValue, transparentRSA.contains(format), let integers = keyValue[.keyMaterial] {
                    let isPrivate = format == KMIPKeyFormatType.transparentRsaPrivateKey.rawValue
                    guard type == (isPrivate ? KMIPObjectType.privateKey : .publicKey).rawValue else {
                        throw KMIPOperationError(.invalidField, "a Transparent RSA \(isPrivate ? "Private" : "Public") Key is a \(isPrivate ? "private" : "public") key")
                    }
                    var key = try KMIPAsymmetricKey(transparent: integers, isPrivate: isPrivate)
                    defer { key.zeroize() }
                    var object = try KMIPManagedObject(type: type ?? 0, requested: attributes)
                    object.cryptographicAlgorithm = key.algorithm.rawValue
                    object.cryptographicLength = key.bitLength
                    object.keyFormatType = key.defaultFormat.rawValue
                    return [TTLVItem(.uniqueIdentifier, .textString(try await operations.kmipRegister(object, material: key.bytes, caller: caller)))]
                }
                // A Key Value is a structure holding Key Material (bytes, or for a Transparent Symmetric Key a structure
                // holding Key), or the material itself when it is wrapped or opaque.
                let keyMaterial = keyValue[.keyMaterial]
                guard var material = keyMaterial?.bytesValue ?? keyMaterial?[.key]?.bytesValue ?? keyValue.bytesValue,
                      !material.isEmpty, material.count <= 4096 else {
                    throw KMIPOperationError(.invalidField, "the Key Material must be 1 to 4096 bytes")
                }
                defer { material.zeroize() }
                var object = try KMIPManagedObject(type: type ?? 0, requested: attributes)
                object.keyFormatType = block[.keyFormatType]?.enumerationValue
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
                let found = try await operations.kmipLocate({ object in
                    filter.matches(object, attributes: Self.objectAttributes(object, version: request.version))
                }, caller: caller)
                let uids = filter.wantsDefaultMember ? Array(found.prefix(1)) : found
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
                    return try KMIPCipher(payload, keyParameters: object.cryptographicParametersItem, keyAlgorithm: object.cryptographicAlgorithm, defaultPadding: object.defaultPadding).encrypt(data, key: SymmetricKey(data: material))
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
                    return try KMIPCipher(payload, keyParameters: object.cryptographicParametersItem, keyAlgorithm: object.cryptographicAlgorithm, defaultPadding: object.defaultPadding).decrypt(data, key: SymmetricKey(data: material))
                }
                return [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(plaintext))]
            }
        }
        register(.mac) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                let uid = try Self.uniqueIdentifier(payload)
                try Self.requireHMACSHA256(payload)
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "MAC needs Data") }
                let mac = try await operations.kmipUseObject(.mac, uid, version: request.version, caller: caller) { object, material in
                    try Self.requireHMACKey(object, payload)
                    return Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: material)))
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
                let valid = try await operations.kmipUseObject(.macVerify, uid, version: request.version, caller: caller) { object, material in
                    try Self.requireHMACKey(object, payload)
                    return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data, using: SymmetricKey(data: material))
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

    static func isAsymmetric(_ object: KMIPManagedObject) -> Bool {
        object.objectType == KMIPObjectType.publicKey.rawValue || object.objectType == KMIPObjectType.privateKey.rawValue
    }

    /// MAC's Cryptographic Parameters, when given, must name HMAC-SHA256.
    static func requireHMACSHA256(_ payload: TTLVItem) throws {
        if let algorithm = payload[.cryptographicParameters]?[.cryptographicAlgorithm]?.enumerationValue,
           algorithm != KMIPCryptographicAlgorithm.hmacSha256.rawValue {
            throw KMIPOperationError(.featureNotSupported, "MAC is HMAC-SHA256")
        }
    }

    /// A MAC key: an HMAC-SHA256 key, or another symmetric key whose own Cryptographic Parameters name
    /// HMAC-SHA256 (CS-AC-M-4: an AES key registered for MAC Generate with those parameters).
    static func requireHMACKey(_ object: KMIPManagedObject, _ payload: TTLVItem) throws {
        let hmac = KMIPCryptographicAlgorithm.hmacSha256.rawValue
        guard object.objectType == KMIPObjectType.symmetricKey.rawValue else { throw KMIPOperationError(.invalidField, "MAC needs a symmetric key") }
        if object.cryptographicAlgorithm == hmac { return }
        // The key's own parameters, not the request's: a request does not turn an AES key into a MAC key.
        let named = object.cryptographicParametersItem?[.cryptographicAlgorithm]?.enumerationValue
        guard named == hmac else { throw KMIPOperationError(.invalidField, "this key is not an HMAC-SHA256 key, and its Cryptographic Parameters name no HMAC") }
    }

    static func uniqueIdentifier(_ payload: TTLVItem) throws -> String {
        guard let uid = payload[.uniqueIdentifier]?.textValue else {
            throw KMIPOperationError(.invalidField, "a Unique Identifier is required")
        }
        return uid
    }
}
