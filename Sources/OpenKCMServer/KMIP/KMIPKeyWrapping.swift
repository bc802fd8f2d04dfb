import Crypto
import KMIP
import KMIPEngine
import OpenKCMCore

/// A Get's Key Wrapping Specification: the object comes back encrypted
/// under another of the caller's AES keys, with AES Key Wrap (RFC 3394,
/// KMIP's NIST Key Wrap, the default) or AES Key Wrap with Padding
/// (RFC 5649). The Key Value is wrapped TTLV-encoded unless the client asks
/// for No Encoding (the raw key bytes).
struct KMIPKeyWrapping: Sendable {
    var wrappingKeyID: String
    var mode: KMIPBlockCipherMode
    var encoding: KMIPEncodingOption?

    init(_ specification: TTLVItem) throws(KMIPOperationError) {
        let method = specification[.wrappingMethod]?.enumerationValue
        guard method == KMIPWrappingMethod.encrypt.rawValue else {
            throw KMIPOperationError(.featureNotSupported, "keys are wrapped with Wrapping Method Encrypt only")
        }
        guard specification[.macSignatureKeyInformation] == nil else {
            throw KMIPOperationError(.featureNotSupported, "MAC/signature wrapping is not supported")
        }
        guard specification[.attributeName] == nil else {
            throw KMIPOperationError(.featureNotSupported, "attributes are not wrapped with the key")
        }
        guard let information = specification[.encryptionKeyInformation], let uid = information[.uniqueIdentifier]?.textValue else {
            throw KMIPOperationError(.invalidField, "the Key Wrapping Specification needs Encryption Key Information with the wrapping key's Unique Identifier")
        }
        let parameters = information[.cryptographicParameters]
        if let algorithm = parameters?[.cryptographicAlgorithm]?.enumerationValue, algorithm != KMIPCryptographicAlgorithm.aes.rawValue {
            throw KMIPOperationError(.featureNotSupported, "keys are wrapped with AES")
        }
        let mode = parameters?[.blockCipherMode]?.enumerationValue.flatMap(KMIPBlockCipherMode.init(rawValue:)) ?? .nistKeyWrap
        guard mode == .nistKeyWrap || mode == .aesKeyWrapPadding else {
            throw KMIPOperationError(.featureNotSupported, "keys are wrapped with NIST Key Wrap (RFC 3394) or AES Key Wrap Padding (RFC 5649)")
        }
        if let raw = specification[.encodingOption]?.enumerationValue {
            guard let encoding = KMIPEncodingOption(rawValue: raw) else { throw KMIPOperationError(.encodingOptionError, "unknown Encoding Option") }
            self.encoding = encoding
        }
        self.wrappingKeyID = uid
        self.mode = mode
    }

    /// The wrapped Key Value bytes.
    func wrap(_ material: [UInt8], kek: SymmetricKey) throws -> [UInt8] {
        var plaintext = (encoding ?? .ttlvEncoding) == .noEncoding
            ? material
            : TTLVEncoder.encode(.structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(material))]))
        defer { plaintext.zeroize() }
        switch mode {
        case .aesKeyWrapPadding:
            return Array(try AESKeyWrapWithPadding.wrap(plaintext, using: kek))
        default:
            guard plaintext.count >= 16, plaintext.count % 8 == 0 else {
                throw KMIPOperationError(.invalidField, "NIST Key Wrap takes a multiple of 8 bytes, at least 16: use AES Key Wrap Padding")
            }
            return Array(try AES.KeyWrap.wrap(SymmetricKey(data: plaintext), using: kek))
        }
    }

    /// The Key Block's Key Wrapping Data, saying how to unwrap it.
    var keyWrappingData: TTLVItem {
        var children: [TTLVItem] = [
            TTLVItem(.wrappingMethod, .enumeration(KMIPWrappingMethod.encrypt.rawValue)),
            .structure(.encryptionKeyInformation, [
                TTLVItem(.uniqueIdentifier, .textString(wrappingKeyID)),
                .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(mode.rawValue))]),
            ]),
        ]
        if let encoding { children.append(TTLVItem(.encodingOption, .enumeration(encoding.rawValue))) }
        return .structure(.keyWrappingData, children)
    }
}
