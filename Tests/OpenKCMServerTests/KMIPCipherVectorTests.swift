import Crypto
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMServer
import OpenKCMTestSupport

/// The ciphers the profiles test beyond GCM, CBC and CTR, checked against
/// published vectors (NIST SP 800-38A F.1, RFC 8439 2.4.2 and 2.8.2) through
/// Register, Encrypt and Decrypt of the real engine.
@Suite struct KMIPCipherVectorTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    static func register(_ session: KMIPClientFlowTests.Session, _ algorithm: KMIPCryptographicAlgorithm, _ key: [UInt8]) async throws -> String {
        let answer = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm.rawValue)),
                                     TTLVItem(.cryptographicLength, .integer(Int32(key.count * 8))),
                                     TTLVItem(.activationDate, .dateTime(949_363_200))]),
            .structure(.symmetricKey, [.structure(.keyBlock, [
                TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.raw.rawValue)), .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(key))]),
                TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm.rawValue)), TTLVItem(.cryptographicLength, .integer(Int32(key.count * 8))),
            ])]),
        ])
        return try #require(answer.payload?[.uniqueIdentifier]?.textValue, "\(answer)")
    }

    @Test func aesECBMatchesSP80038A() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        let uid = try await Self.register(session, .aes, Self.bytes("2b7e151628aed2a6abf7158809cf4f3c"))
        let plaintext = Self.bytes("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
        let ecb = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.ecb.rawValue)),
                                                                TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.none.rawValue))])
        let encrypted = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), ecb, TTLVItem(.data, .byteString(plaintext))])
        #expect(encrypted.payload?[.data]?.bytesValue == Self.bytes("3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"), "\(encrypted)")
        #expect(encrypted.payload?[.ivCounterNonce] == nil)
        let decrypted = try await session.send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), ecb,
                                                          TTLVItem(.data, .byteString(try #require(encrypted.payload?[.data]?.bytesValue)))])
        #expect(decrypted.payload?[.data]?.bytesValue == plaintext)
        // PKCS#5 when named: one more block. No Padding Method means none (CS-BC-M-4-14), so a partial block is refused.
        let pkcs5 = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.ecb.rawValue)),
                                                                  TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.pkcs5.rawValue))])
        let padded = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), pkcs5, TTLVItem(.data, .byteString(Array(plaintext.prefix(20))))])
        #expect(padded.payload?[.data]?.bytesValue?.count == 32)
        let back = try await session.send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), pkcs5,
                                                     TTLVItem(.data, .byteString(try #require(padded.payload?[.data]?.bytesValue)))])
        #expect(back.payload?[.data]?.bytesValue == Array(plaintext.prefix(20)))
        let modeOnly = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.ecb.rawValue))])
        let unpadded = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), modeOnly, TTLVItem(.data, .byteString(plaintext))])
        #expect(unpadded.payload?[.data]?.bytesValue?.count == 32)
        let partial = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), modeOnly, TTLVItem(.data, .byteString(Array(plaintext.prefix(20))))])
        #expect(partial.resultStatus == .operationFailed && partial.resultReason == .invalidField)
        // 3DES: refused, not attempted.
        let tripleDES = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)),
                                                          .structure(.cryptographicParameters, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.tripleDes.rawValue)),
                                                                                                TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.cbc.rawValue))]),
                                                          TTLVItem(.data, .byteString(plaintext))])
        #expect(tripleDES.resultReason == .featureNotSupported)
    }

    @Test func chaCha20AndChaCha20Poly1305MatchRFC8439() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        let key = Array(UInt8(0)...UInt8(31))
        let uid = try await Self.register(session, .chacha20, key)
        let sunscreen = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        // RFC 8439 2.4.2: nonce 00..4a..00, initial counter 1.
        let encrypted = try await session.send(.encrypt, [
            TTLVItem(.uniqueIdentifier, .textString(uid)),
            .structure(.cryptographicParameters, [TTLVItem(.initialCounterValue, .integer(1))]),
            TTLVItem(.data, .byteString(sunscreen)), TTLVItem(.ivCounterNonce, .byteString(Self.bytes("000000000000004a00000000"))),
        ])
        let ciphertext = try #require(encrypted.payload?[.data]?.bytesValue, "\(encrypted)")
        #expect(Array(ciphertext.prefix(16)) == Self.bytes("6e2e359a2568f98041ba0728dd0d6981"))
        #expect(Array(ciphertext.suffix(2)) == Self.bytes("874d"))
        // The same with the counter written before the nonce (OpenSSL's 16-byte IV).
        let decrypted = try await session.send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(ciphertext)),
                                                          TTLVItem(.ivCounterNonce, .byteString(Self.bytes("01000000000000000000004a00000000")))])
        #expect(decrypted.payload?[.data]?.bytesValue == sunscreen)

        // RFC 8439 2.8.2's AEAD vector, on a ChaCha20-Poly1305 key.
        let aeadKey = Self.bytes("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
        let aead = try await Self.register(session, .chacha20Poly1305, aeadKey)
        let sealed = try await session.send(.encrypt, [
            TTLVItem(.uniqueIdentifier, .textString(aead)), TTLVItem(.data, .byteString(sunscreen)),
            TTLVItem(.ivCounterNonce, .byteString(Self.bytes("070000004041424344454647"))),
            TTLVItem(.authenticatedEncryptionAdditionalData, .byteString(Self.bytes("50515253c0c1c2c3c4c5c6c7"))),
        ])
        #expect(sealed.payload?[.authenticatedEncryptionTag]?.bytesValue == Self.bytes("1ae10b594f09e26a7e902ecbd0600691"), "\(sealed)")
        #expect(Array(try #require(sealed.payload?[.data]?.bytesValue).prefix(4)) == Self.bytes("d31a8d34"))
        // A made nonce is returned, and the ciphertext opens with swift-crypto on its own.
        let made = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(aead)), TTLVItem(.data, .byteString(sunscreen))])
        let nonce = try #require(made.payload?[.ivCounterNonce]?.bytesValue)
        let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: try #require(made.payload?[.data]?.bytesValue),
                                           tag: try #require(made.payload?[.authenticatedEncryptionTag]?.bytesValue))
        #expect(Array(try ChaChaPoly.open(box, using: SymmetricKey(data: aeadKey))) == sunscreen)
        // A changed tag does not open.
        var tag = try #require(made.payload?[.authenticatedEncryptionTag]?.bytesValue)
        tag[0] ^= 1
        let forged = try await session.send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(aead)), TTLVItem(.data, .byteString(try #require(made.payload?[.data]?.bytesValue))),
                                                       TTLVItem(.ivCounterNonce, .byteString(nonce)), TTLVItem(.authenticatedEncryptionTag, .byteString(tag))])
        #expect(forged.resultStatus == .operationFailed && forged.resultReason == .cryptographicFailure)
        // CS-BC-M-CHACHA20POLY1305-1-21: a tag cut to 12 bytes (Tag Length 12) opens; Tag Length 1 is refused.
        let truncated = try await session.send(.decrypt, [
            TTLVItem(.uniqueIdentifier, .textString(aead)),
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.aead.rawValue)), TTLVItem(.tagLength, .integer(12))]),
            TTLVItem(.data, .byteString(try #require(sealed.payload?[.data]?.bytesValue))), TTLVItem(.ivCounterNonce, .byteString(Self.bytes("070000004041424344454647"))),
            TTLVItem(.authenticatedEncryptionAdditionalData, .byteString(Self.bytes("50515253c0c1c2c3c4c5c6c7"))),
            TTLVItem(.authenticatedEncryptionTag, .byteString(Self.bytes("1ae10b594f09e26a7e902ecb"))),
        ])
        #expect(truncated.payload?[.data]?.bytesValue == sunscreen, "\(truncated)")
        let tiny = try await session.send(.encrypt, [
            TTLVItem(.uniqueIdentifier, .textString(aead)), TTLVItem(.data, .byteString(sunscreen)),
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.aead.rawValue)), TTLVItem(.tagLength, .integer(1))]),
        ])
        #expect(tiny.resultStatus == .operationFailed)
        // CS-BC-M-CHACHA20-1-21: the all-zero key with the original 8-byte nonce and no parameters.
        let zero = try await Self.register(session, .chacha20, [UInt8](repeating: 0, count: 32))
        let keystream = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(zero)), .structure(.cryptographicParameters, []),
                                                          TTLVItem(.data, .byteString([UInt8](repeating: 0, count: 64))),
                                                          TTLVItem(.ivCounterNonce, .byteString([UInt8](repeating: 0, count: 8)))])
        #expect(keystream.payload?[.data]?.bytesValue == Self.bytes("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"))
        // An AES mode asked of a ChaCha20 key is refused.
        let wrong = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(sunscreen)),
                                                      .structure(.cryptographicParameters, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                                                                            TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))])])
        #expect(wrong.resultStatus == .operationFailed)
    }
}
