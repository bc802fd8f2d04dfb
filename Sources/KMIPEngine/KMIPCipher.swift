public import Crypto
import CryptoExtras
import Foundation
public import KMIP

/// KMIP Encrypt and Decrypt with a symmetric key, as the request's
/// Cryptographic Parameters (else the key's own) say: AES in GCM (tags of 12
/// to 16 bytes, additional data), CBC and ECB with PKCS#5 padding when the
/// Padding Method names it and none otherwise (as the KMIP profiles' test
/// cases expect), CTR; ChaCha20 (RFC 8439 block function, 12-byte
/// nonce and a 32-bit counter) and ChaCha20-Poly1305 (the RFC 8439 AEAD). An
/// IV or nonce the client does not give is made here and returned. 3DES and
/// the other legacy ciphers are refused with Feature Not Supported.
public struct KMIPCipher: Sendable {
    /// The cipher: an AES mode, or one of the ChaCha20 constructions (named by algorithm, not mode).
    enum Scheme: Sendable, Equatable { case aes(KMIPBlockCipherMode), chacha20, chacha20Poly1305 }
    var scheme: Scheme
    var mode: KMIPBlockCipherMode { if case .aes(let mode) = scheme { mode } else { .aead } }
    /// ChaCha20's first block counter (Initial Counter Value), 0 unless named.
    var initialCounter: UInt32 = 0
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
    /// `keyAlgorithm` is the key's Cryptographic Algorithm: a ChaCha20 key needs no mode.
    ///
    /// One key serves one construction, so a client allowed to use a key one way cannot read what it
    /// protected another way: a ChaCha20 key is raw ChaCha20 only and a ChaCha20-Poly1305 key the AEAD
    /// only (counter 1 of one is the other's keystream, counter 0 its Poly1305 key), and a key whose own
    /// Cryptographic Parameters name a Block Cipher Mode or Cryptographic Algorithm is used in that one
    /// (a GCM key never answers ECB or CTR, which would give away its hash key and keystream). A key with
    /// no mode of its own serves every AES mode the request names, as KMIP lets clients choose.
    /// `defaultPadding` is what CBC and ECB use when no Padding Method is named (see the record's revision).
    public init(_ payload: TTLVItem, keyParameters: TTLVItem? = nil, keyAlgorithm: UInt32? = nil,
                defaultPadding: KMIPPaddingMethod? = nil) throws(KMIPOperationError) {
        let given = payload[.cryptographicParameters]
        for bound in [TTLVTag.blockCipherMode, .cryptographicAlgorithm] {
            if let own = keyParameters?[bound]?.enumerationValue, let asked = given?[bound]?.enumerationValue, own != asked {
                throw KMIPOperationError(.invalidField, "this key's own Cryptographic Parameters bind its \(bound == .blockCipherMode ? "Block Cipher Mode" : "Cryptographic Algorithm")")
            }
        }
        let parameters: TTLVItem? = (given == nil && keyParameters == nil) ? nil : Self.merged(given, over: keyParameters)
        let algorithm = (parameters?[.cryptographicAlgorithm]?.enumerationValue ?? keyAlgorithm).flatMap(KMIPCryptographicAlgorithm.init(rawValue:))
        let named = parameters?[.blockCipherMode]?.enumerationValue
        if keyAlgorithm == KMIPCryptographicAlgorithm.chacha20.rawValue, algorithm == .chacha20Poly1305 || named == KMIPBlockCipherMode.aead.rawValue {
            throw KMIPOperationError(.invalidField, "a ChaCha20 key is used as ChaCha20; the AEAD takes a ChaCha20-Poly1305 key")
        }
        switch algorithm {
        case .chacha20Poly1305?:
            scheme = .chacha20Poly1305
        case .chacha20?:
            scheme = .chacha20
            if let counter = parameters?[.initialCounterValue]?.integerValue {
                guard counter >= 0 else { throw KMIPOperationError(.invalidField, "the Initial Counter Value is 0 or more") }
                initialCounter = UInt32(counter)
            }
        case .aes?, nil:
            guard let named, let mode = KMIPBlockCipherMode(rawValue: named) else {
                throw KMIPOperationError(.invalidField, "Cryptographic Parameters must name a Block Cipher Mode (GCM, CBC, CTR or ECB)")
            }
            guard [.gcm, .cbc, .ctr, .ecb].contains(mode) else { throw KMIPOperationError(.featureNotSupported, "AES modes served: GCM, CBC, CTR, ECB") }
            scheme = .aes(mode)
        default:
            throw KMIPOperationError(.featureNotSupported, "Encrypt and Decrypt serve AES, ChaCha20 and ChaCha20-Poly1305 (no 3DES or other legacy ciphers)")
        }
        if let keyAlgorithm, let algorithm, keyAlgorithm != algorithm.rawValue {
            throw KMIPOperationError(.incompatibleCryptographicUsageMask, "the key is not a \(algorithm) key")
        }
        if scheme == .aes(.gcm) || scheme == .chacha20Poly1305, let tagLength = parameters?[.tagLength]?.integerValue {
            // General Failure, as the profiles' test cases (CS-BC-M-GCM-1-21) answer a Tag Length out of range.
            guard (12...16).contains(tagLength) else { throw KMIPOperationError(.generalFailure, "authentication tags are 12 to 16 bytes") }
            self.requestedTagLength = Int(tagLength)
        }
        self.padding = parameters?[.paddingMethod]?.enumerationValue.flatMap(KMIPPaddingMethod.init(rawValue:)) ?? defaultPadding
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
            switch scheme {
            case .chacha20:
                let made = iv == nil ? Self.random(12) : nil
                return (try chacha20(plaintext, key: key, iv: iv ?? made!), made, nil)
            case .chacha20Poly1305:
                let nonce = try iv.map { try ChaChaPoly.Nonce(data: $0) } ?? ChaChaPoly.Nonce()
                let sealed = try ChaChaPoly.seal(plaintext, using: key, nonce: nonce, authenticating: additionalData)
                return (Array(sealed.ciphertext), iv == nil ? Array(nonce) : nil, Array(sealed.tag.prefix(tagLength)))
            case .aes(.ecb):
                return (try ecb(plaintext, key: key, encrypting: true), nil, nil)
            case .aes(.gcm):
                // A short tag is opened by way of CTR from IV | 2, which holds for 12-byte IVs only.
                if tagLength < 16, let iv, iv.count != 12 {
                    throw KMIPOperationError(.invalidField, "a GCM tag shorter than 16 bytes needs a 12-byte IV")
                }
                let nonce = try iv.map { try AES.GCM.Nonce(data: $0) } ?? AES.GCM.Nonce()
                let sealed = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: additionalData)
                return (Array(sealed.ciphertext), iv == nil ? Array(nonce) : nil, Array(sealed.tag.prefix(tagLength)))
            case .aes(.cbc):
                let made = iv == nil ? Self.random(16) : nil
                let vector = try AES._CBC.IV(ivBytes: iv ?? made!)
                guard [nil, KMIPPaddingMethod.pkcs5, KMIPPaddingMethod.none].contains(padding) else {
                    throw KMIPOperationError(.featureNotSupported, "CBC pads with PKCS5 or not at all")
                }
                let noPadding = padding != .pkcs5
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
        if scheme == .aes(.ecb) {
            do { return try ecb(ciphertext, key: key, encrypting: false) } catch let error as KMIPOperationError { throw error } catch {
                throw KMIPOperationError(.cryptographicFailure, "the data does not decrypt with this key and padding")
            }
        }
        // Invalid Message, as the profiles' test cases (CS-BC-M-11-14) answer a Decrypt without its IV.
        guard let iv else { throw KMIPOperationError(.invalidMessage, "Decrypt needs the IV/Counter/Nonce") }
        do {
            switch scheme {
            case .chacha20:
                return try chacha20(ciphertext, key: key, iv: iv)
            case .chacha20Poly1305:
                guard let tag, (12...16).contains(tag.count) else {
                    throw KMIPOperationError(.invalidField, "ChaCha20-Poly1305 Decrypt needs the Authenticated Encryption Tag (12 to 16 bytes)")
                }
                if let requested = requestedTagLength, requested != tag.count {
                    throw KMIPOperationError(.invalidField, "the tag is \(tag.count) bytes, Tag Length says \(requested)")
                }
                if tag.count < 16 {
                    // The AEAD's keystream is ChaCha20 from block counter 1 (RFC 8439 2.8).
                    var recovered = try Insecure.ChaCha20CTR.encrypt(ciphertext, using: key, counter: Insecure.ChaCha20CTR.Counter(offset: 1),
                                                                     nonce: Insecure.ChaCha20CTR.Nonce(data: iv))
                    defer { recovered.resetBytes(in: 0..<recovered.count) }
                    let computed = try ChaChaPoly.seal(recovered, using: key, nonce: ChaChaPoly.Nonce(data: iv), authenticating: additionalData).tag
                    var plaintext = Array(recovered)
                    return try released(&plaintext, ifPrefixOf: computed, matches: tag)
                }
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: iv), ciphertext: ciphertext, tag: tag)
                return Array(try ChaChaPoly.open(box, using: key, authenticating: additionalData))
            case .aes(.gcm):
                guard let tag, (12...16).contains(tag.count) else {
                    throw KMIPOperationError(.invalidField, "GCM Decrypt needs the Authenticated Encryption Tag (12 to 16 bytes)")
                }
                if let requested = requestedTagLength, requested != tag.count {
                    throw KMIPOperationError(.invalidField, "the tag is \(tag.count) bytes, Tag Length says \(requested)")
                }
                if tag.count < 16 { return try openTruncated(ciphertext, tag: tag, iv: iv, key: key) }
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext, tag: tag)
                return Array(try AES.GCM.open(box, using: key, authenticating: additionalData))
            case .aes(.cbc):
                guard [nil, KMIPPaddingMethod.pkcs5, KMIPPaddingMethod.none].contains(padding) else {
                    throw KMIPOperationError(.featureNotSupported, "CBC pads with PKCS5 or not at all")
                }
                let noPadding = padding != .pkcs5
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
        return try released(&plaintext, ifPrefixOf: resealed.tag, matches: tag)
    }

    /// The plaintext when the recomputed tag's prefix equals the given (truncated) tag, compared in
    /// constant time; otherwise it is zeroed and the decryption fails.
    private func released(_ plaintext: inout [UInt8], ifPrefixOf computed: Data, matches tag: [UInt8]) throws(KMIPOperationError) -> [UInt8] {
        var difference: UInt8 = 0
        for (computed, given) in zip(computed.prefix(tag.count), tag) { difference |= computed ^ given }
        guard difference == 0 else {
            plaintext.secureZero()
            throw KMIPOperationError(.cryptographicFailure, "the data does not decrypt with this key, IV and tag")
        }
        return plaintext
    }

    /// ChaCha20 (RFC 8439 2.4): a 12-byte nonce with the Initial Counter Value, or a
    /// 16-byte IV holding the counter (little-endian) before the nonce, as OpenSSL takes it.
    private func chacha20(_ data: [UInt8], key: SymmetricKey, iv: [UInt8]) throws -> [UInt8] {
        guard key.bitCount == 256 else { throw KMIPOperationError(.invalidField, "a ChaCha20 key is 256 bits") }
        let (counter, nonce): (UInt32, [UInt8]) = switch iv.count {
        case 12: (initialCounter, iv)
        // The original ChaCha20's 64-bit nonce (as the KMIP 2.1 test cases send it): its 64-bit counter's high half stays 0
        // for any message this server takes, so it is the RFC 8439 form with four zero bytes before the nonce.
        case 8: (initialCounter, [0, 0, 0, 0] + iv)
        case 16: (UInt32(iv[0]) | UInt32(iv[1]) << 8 | UInt32(iv[2]) << 16 | UInt32(iv[3]) << 24, Array(iv[4...]))
        default: throw KMIPOperationError(.invalidField, "a ChaCha20 nonce is 12 or 8 bytes (or 16 with the counter first)")
        }
        // The 32-bit block counter must not wrap within the message: that would reuse keystream.
        guard UInt64(counter) + UInt64((data.count + 63) / 64) <= UInt64(UInt32.max) + 1 else {
            throw KMIPOperationError(.invalidField, "the ChaCha20 counter would wrap within this message")
        }
        var output = try Insecure.ChaCha20CTR.encrypt(data, using: key, counter: try Insecure.ChaCha20CTR.Counter(offset: counter),
                                                      nonce: try Insecure.ChaCha20CTR.Nonce(data: nonce))
        // A decryption's output is plaintext: the intermediate copy is zeroed.
        defer { output.resetBytes(in: 0..<output.count) }
        return Array(output)
    }

    /// AES-ECB, block by block through the AES block function; PKCS#5 padding when named, none otherwise.
    /// Served because the profiles test it (and some HSM-era clients wrap with it); it hides nothing of
    /// repeated blocks, so nothing in OpenKCM itself uses it.
    private func ecb(_ data: [UInt8], key: SymmetricKey, encrypting: Bool) throws -> [UInt8] {
        let padded = padding == .pkcs5
        guard [nil, KMIPPaddingMethod.pkcs5, KMIPPaddingMethod.none].contains(padding) else { throw KMIPOperationError(.featureNotSupported, "ECB pads with PKCS5 or not at all") }
        var input = data
        if encrypting, padded {
            let count = 16 - input.count % 16
            input += [UInt8](repeating: UInt8(count), count: count)
        }
        guard input.count % 16 == 0, !input.isEmpty || !padded else {
            throw KMIPOperationError(.invalidField, "ECB without padding takes whole 16-byte blocks")
        }
        var output = input
        defer { input.secureZero() }
        for start in stride(from: 0, to: output.count, by: 16) {
            var block = output[start..<start + 16]
            if encrypting { try AES.permute(&block, key: key) } else { try AES.inversePermute(&block, key: key) }
            output.replaceSubrange(start..<start + 16, with: block)
            block.withUnsafeMutableBytes { $0.secureZero() }
        }
        if !encrypting, padded {
            // PKCS#5: the last byte says how many bytes of padding; every one of them says the same.
            guard let count = output.last, (1...16).contains(count), output.count >= Int(count),
                  output.suffix(Int(count)).allSatisfy({ $0 == count }) else {
                output.secureZero()
                throw KMIPOperationError(.cryptographicFailure, "the data does not decrypt with this key and padding")
            }
            output.removeLast(Int(count))
        }
        return output
    }

    static func random(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }
}
