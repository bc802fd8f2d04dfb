import Foundation
import KMIP
public import KMIPEngine
import OpenKCMCore
import OpenKCMPKI
import X509

/// Objects read from and written as KMIP: a Register of an object without a
/// Key Block (opaque objects, certificates), a Split Key's fields, a public
/// or private key's Get.
extension KMIPProtocolEngine {
    /// A Register of an Opaque Object (its Opaque Data Type and Value) or an
    /// X.509 Certificate (checked by parsing it): the record and its material.
    static func registeredWithoutKeyBlock(_ payload: TTLVItem, type: UInt32, attributes: KMIPRequestedAttributes) throws -> (KMIPManagedObject, [UInt8]) {
        var object = try KMIPManagedObject(type: type, requested: attributes)
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
}
