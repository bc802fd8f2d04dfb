public import Crypto
import CryptoExtras
import Foundation
public import KMIP

/// KMIP Encrypt and Decrypt with AES, as the request's Cryptographic
/// Parameters say: GCM (tags of 12 to 16 bytes, additional data), CBC with
/// PKCS#5 padding or none, CTR. An IV the client does not give is made here
/// and returned.
public struct KMIPCipher: Sendable {
    var mode: KMIPBlockCipherMode
    var padding: KMIPPaddingMethod?
    var iv: [UInt8]?
    var additionalData: [UInt8]
    var tag: [UInt8]?
    /// The Tag Length the request named, if it named one (bytes; NIST SP 800-38D allows 12 to 16 for general use).
    var requestedTagLength: Int?
    /// GCM's tag length in bytes: as named, 16 by default.
    var tagLength: Int { requestedTagLength ?? 16 }

    /// Reads the mode, padding, IV, additional data and tag of an Encrypt or
    /// Decrypt payload. A Cryptographic Parameters field the request leaves
    /// out is the key's own (`keyParameters`, the attribute set when the key
    /// was made), as KMIP says.
    public init(_ payload: TTLVItem, keyParameters: TTLVItem? = nil) throws(KMIPOperationError) {
        let given = payload[.cryptographicParameters]
        let parameters: TTLVItem? = (given == nil && keyParameters == nil) ? nil : Self.merged(given, over: keyParameters)
        guard let raw = parameters?[.blockCipherMode]?.enumerationValue, let mode = KMIPBlockCipherMode(rawValue: raw) else {
            throw KMIPOperationError(.invalidField, "Cryptographic Parameters must name a Block Cipher Mode (GCM, CBC or CTR)")
        }
        guard [.gcm, .cbc, .ctr].contains(mode) else { throw KMIPOperationError(.featureNotSupported, "AES modes served: GCM, CBC, CTR") }
        if let algorithm = parameters?[.cryptographicAlgorithm]?.enumerationValue, algorithm != KMIPCryptographicAlgorithm.aes.rawValue {
            throw KMIPOperationError(.featureNotSupported, "only AES")
        }
        if mode == .gcm, let tagLength = parameters?[.tagLength]?.integerValue {
            guard (12...16).contains(tagLength) else { throw KMIPOperationError(.invalidField, "GCM tags are 12 to 16 bytes") }
            self.requestedTagLength = Int(tagLength)
        }
        self.mode = mode
        self.padding = parameters?[.paddingMethod]?.enumerationValue.flatMap(KMIPPaddingMethod.init(rawValue:))
        self.iv = payload[.ivCounterNonce]?.bytesValue
        self.additionalData = payload[.authenticatedEncryptionAdditionalData]?.bytesValue ?? []
        self.tag = payload[.authenticatedEncryptionTag]?.bytesValue
    }

    /// The request's Cryptographic Parameters, each field it lacks taken from the key's.
    public static func merged(_ given: TTLVItem?, over stored: TTLVItem?) -> TTLVItem {
        var fields = given?.children ?? []
        for field in stored?.children ?? [] where !fields.contains(where: { $0.tag == field.tag }) { fields.append(field) }
        return .structure(.cryptographicParameters, fields)
    }

    /// Returns the ciphertext, the IV when this server made it, and the GCM tag.
    public func encrypt(_ plaintext: [UInt8], key: SymmetricKey) throws(KMIPOperationError) -> (data: [UInt8], madeIV: [UInt8]?, tag: [UInt8]?) {
        do {
            switch mode {
            case .gcm:
                // A short tag is opened by way of CTR from IV | 2, which holds for 12-byte IVs only.
                if tagLength < 16, let iv, iv.count != 12 {
                    throw KMIPOperationError(.invalidField, "a GCM tag shorter than 16 bytes needs a 12-byte IV")
                }
                let nonce = try iv.map { try AES.GCM.Nonce(data: $0) } ?? AES.GCM.Nonce()
                let sealed = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: additionalData)
                return (Array(sealed.ciphertext), iv == nil ? Array(nonce) : nil, Array(sealed.tag.prefix(tagLength)))
            case .cbc:
                let made = iv == nil ? Self.random(16) : nil
                let vector = try AES._CBC.IV(ivBytes: iv ?? made!)
                let noPadding = (padding ?? .pkcs5) == .`none`
                guard noPadding || padding == nil || padding == .pkcs5 else { throw KMIPOperationError(.featureNotSupported, "CBC pads with PKCS5 or not at all") }
                return (Array(try AES._CBC.encrypt(plaintext, using: key, iv: vector, noPadding: noPadding)), made, nil)
            default:
                let made = iv == nil ? Self.random(16) : nil
                let nonce = try AES._CTR.Nonce(nonceBytes: iv ?? made!)
                return (Array(try AES._CTR.encrypt(plaintext, using: key, nonce: nonce)), made, nil)
            }
        } catch let error as KMIPOperationError {
            throw error
        } catch {
            throw KMIPOperationError(.invalidField, "the IV, nonce or data does not fit the mode")
        }
    }

    public func decrypt(_ ciphertext: [UInt8], key: SymmetricKey) throws(KMIPOperationError) -> [UInt8] {
        guard let iv else { throw KMIPOperationError(.invalidField, "Decrypt needs the IV/Counter/Nonce") }
        do {
            switch mode {
            case .gcm:
                guard let tag, (12...16).contains(tag.count) else {
                    throw KMIPOperationError(.invalidField, "GCM Decrypt needs the Authenticated Encryption Tag (12 to 16 bytes)")
                }
                if let requested = requestedTagLength, requested != tag.count {
                    throw KMIPOperationError(.invalidField, "the tag is \(tag.count) bytes, Tag Length says \(requested)")
                }
                if tag.count < 16 { return try openTruncated(ciphertext, tag: tag, iv: iv, key: key) }
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext, tag: tag)
                return Array(try AES.GCM.open(box, using: key, authenticating: additionalData))
            case .cbc:
                let noPadding = (padding ?? .pkcs5) == .`none`
                return Array(try AES._CBC.decrypt(ciphertext, using: key, iv: AES._CBC.IV(ivBytes: iv), noPadding: noPadding))
            default:
                return Array(try AES._CTR.decrypt(ciphertext, using: key, nonce: AES._CTR.Nonce(nonceBytes: iv)))
            }
        } catch let error as KMIPOperationError {
            throw error
        } catch {
            throw KMIPOperationError(.cryptographicFailure, "the data does not decrypt with this key, IV and mode")
        }
    }

    /// GCM with a tag shorter than 16 bytes, which swift-crypto does not open
    /// itself: with a 96-bit nonce, GCM's keystream is CTR from the counter
    /// block nonce | 2, so the plaintext is recovered with CTR, sealed again
    /// to recompute the full tag, and released only if the tag's prefix
    /// matches (in constant time).
    private func openTruncated(_ ciphertext: [UInt8], tag: [UInt8], iv: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        guard iv.count == 12 else { throw KMIPOperationError(.invalidField, "a GCM tag shorter than 16 bytes needs a 12-byte IV") }
        var plaintext = Array(try AES._CTR.decrypt(ciphertext, using: key, nonce: AES._CTR.Nonce(nonceBytes: iv + [0, 0, 0, 2])))
        let resealed = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(data: iv), authenticating: additionalData)
        var difference: UInt8 = 0
        for (computed, given) in zip(resealed.tag.prefix(tag.count), tag) { difference |= computed ^ given }
        guard difference == 0 else {
            plaintext.secureZero()
            throw KMIPOperationError(.cryptographicFailure, "the data does not decrypt with this key, IV and tag")
        }
        return plaintext
    }

    static func random(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }
}
