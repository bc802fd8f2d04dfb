import Crypto
import CryptoExtras
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Split keys registered and got back with their fields, and public and
/// private keys got wrapped (PKCS#8 under AES Key Wrap with Padding, what
/// HSMs import), through the real engine and key chain.
@Suite struct KMIPSplitKeyTests {
    typealias Session = KMIPClientFlowTests.Session

    static func splitKey(identifier: Int32, material: [UInt8], method: KMIPSplitKeyMethod = .xor, threshold: Int32 = 2, prime: [UInt8]? = nil) -> TTLVItem {
        var fields = [TTLVItem(.splitKeyParts, .integer(2)), TTLVItem(.keyPartIdentifier, .integer(identifier)),
                      TTLVItem(.splitKeyThreshold, .integer(threshold)), TTLVItem(.splitKeyMethod, .enumeration(method.rawValue))]
        if let prime { fields.append(TTLVItem(.primeFieldSize, .bigInteger(prime))) }
        return .structure(.splitKey, fields + [.structure(.keyBlock, [
            TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.raw.rawValue)), .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(material))]),
            TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)), TTLVItem(.cryptographicLength, .integer(Int32(material.count * 8))),
        ])])
    }

    @Test(arguments: [KMIPVersion.v1_2, .v2_0]) func splitKeysComeBackWithTheirFields(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        let part: [UInt8] = Array(32..<64)
        let registered = try await session.send(.register, [TTLVItem(.objectType, .enumeration(KMIPObjectType.splitKey.rawValue)),
                                                            Self.splitKey(identifier: 1, material: part)])
        let uid = try #require(registered.payload?[.uniqueIdentifier]?.textValue, "\(registered)")
        let got = try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(uid))])
        #expect(got.payload?[.objectType]?.enumerationValue == KMIPObjectType.splitKey.rawValue)
        let split = try #require(got.payload?[.splitKey], "\(got)")
        #expect(split[.splitKeyParts]?.integerValue == 2 && split[.keyPartIdentifier]?.integerValue == 1 && split[.splitKeyThreshold]?.integerValue == 2)
        #expect(split[.splitKeyMethod]?.enumerationValue == KMIPSplitKeyMethod.xor.rawValue)
        #expect(split[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue == part)
        // Located by type; an XOR split whose threshold is not its parts, a part past the parts, a prime without the prime method: refused.
        let located = try await session.send(.locate, [
            version >= .v2_0 ? .structure(.attributes, [TTLVItem(.objectType, .enumeration(KMIPObjectType.splitKey.rawValue))])
                : KMIPClientFlowTests.attribute("Object Type", .enumeration(KMIPObjectType.splitKey.rawValue))])
        #expect(located.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [uid])
        for bad in [Self.splitKey(identifier: 1, material: part, threshold: 1), Self.splitKey(identifier: 3, material: part),
                    Self.splitKey(identifier: 1, material: part, prime: [0, 0, 0, 0, 0, 0x01, 0x00, 0x01])] {
            let refused = try await session.send(.register, [TTLVItem(.objectType, .enumeration(KMIPObjectType.splitKey.rawValue)), bad])
            #expect(refused.resultStatus == .operationFailed && refused.resultReason == .invalidField, "\(refused)")
        }
        let prime = try await session.send(.register, [TTLVItem(.objectType, .enumeration(KMIPObjectType.splitKey.rawValue)),
                                                       Self.splitKey(identifier: 2, material: part, method: .polynomialSharingPrimeField, prime: [0, 0, 0, 0, 0, 0x01, 0x00, 0x01])])
        let primeUID = try #require(prime.payload?[.uniqueIdentifier]?.textValue, "\(prime)")
        let primeGot = try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(primeUID))])
        #expect(primeGot.payload?[.splitKey]?[.primeFieldSize]?.value == .bigInteger([0, 0, 0, 0, 0, 0x01, 0x00, 0x01]))
    }

    @Test(arguments: [KMIPVersion.v1_4, .v2_0]) func privateKeysComeBackWrappedAsPKCS8(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        let (privateUID, publicUID) = try await KMIPKeyPairTests.keyPair(session, .rsa, length: 2048)
        _ = try await session.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(privateUID))])
        let kekBytes: [UInt8] = Array(0..<32)
        let kek = try await KMIPCipherVectorTests.register(session, .aes, kekBytes)
        func wrapped(_ uid: String, format: KMIPKeyFormatType) async throws -> KMIPResponseBatchItem {
            try await session.send(.get, [
                TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.keyFormatType, .enumeration(format.rawValue)),
                .structure(.keyWrappingSpecification, [
                    TTLVItem(.wrappingMethod, .enumeration(KMIPWrappingMethod.encrypt.rawValue)),
                    .structure(.encryptionKeyInformation, [TTLVItem(.uniqueIdentifier, .textString(kek)), .structure(.cryptographicParameters, [
                        TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.aesKeyWrapPadding.rawValue))])]),
                    TTLVItem(.encodingOption, .enumeration(KMIPEncodingOption.noEncoding.rawValue)),
                ]),
            ])
        }
        let answer = try await wrapped(privateUID, format: .pkcs8)
        let block = try #require(answer.payload?[.privateKey]?[.keyBlock], "\(answer)")
        #expect(block[.keyFormatType]?.enumerationValue == KMIPKeyFormatType.pkcs8.rawValue)
        #expect(block[.keyWrappingData]?[.encryptionKeyInformation]?[.uniqueIdentifier]?.textValue == kek)
        let pkcs8 = try AESKeyWrapWithPadding.unwrap(try #require(block[.keyValue]?.bytesValue), using: SymmetricKey(data: kekBytes))
        let key = try _RSA.Signing.PrivateKey(derRepresentation: pkcs8)
        // The unwrapped key is the pair's: its public half is the public key the server holds.
        let publicKey = try await KMIPKeyPairTests.get(session, publicUID, format: .x509)
        #expect(Array(key.publicKey.derRepresentation) == publicKey.bytes)
        // The public key wrapped as X.509.
        let publicAnswer = try await wrapped(publicUID, format: .x509)
        let publicBlock = try #require(publicAnswer.payload?[.publicKey]?[.keyBlock], "\(publicAnswer)")
        #expect(Array(try AESKeyWrapWithPadding.unwrap(try #require(publicBlock[.keyValue]?.bytesValue), using: SymmetricKey(data: kekBytes))) == publicKey.bytes)
    }
}

/// Transparent RSA keys: registered from their integers, given back as PKCS#1.
@Suite struct KMIPTransparentRSATests {
    @Test func aTransparentRSAPublicKeyIsKeptAsPKCS1() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try key.publicKey.getKeyPrimitives()
        // Big Integers: two's complement, padded to a multiple of 8 bytes.
        func big(_ data: Data) -> TTLVValue {
            var bytes = [UInt8](data)
            if bytes.first.map({ $0 & 0x80 != 0 }) == true { bytes.insert(0, at: 0) }
            return .bigInteger([UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8) + bytes)
        }
        let registered = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.publicKey.rawValue)),
            .structure(.publicKey, [.structure(.keyBlock, [
                TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.transparentRsaPublicKey.rawValue)),
                .structure(.keyValue, [.structure(.keyMaterial, [TTLVItem(.modulus, big(primitives.modulus)), TTLVItem(.publicExponent, big(primitives.publicExponent))])]),
                TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.rsa.rawValue)), TTLVItem(.cryptographicLength, .integer(2048)),
            ])]),
        ])
        let uid = try #require(registered.payload?[.uniqueIdentifier]?.textValue, "\(registered)")
        let got = try await KMIPKeyPairTests.get(session, uid, format: .pkcs1)
        #expect(got.bytes == Array(key.publicKey.pkcs1DERRepresentation))
        // A negative (high-bit) modulus is not an RSA key.
        let negative = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.publicKey.rawValue)),
            .structure(.publicKey, [.structure(.keyBlock, [
                TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.transparentRsaPublicKey.rawValue)),
                .structure(.keyValue, [.structure(.keyMaterial, [TTLVItem(.modulus, .bigInteger([UInt8](repeating: 0xFF, count: 256))),
                                                                 TTLVItem(.publicExponent, big(primitives.publicExponent))])]),
            ])]),
        ])
        #expect(negative.resultReason == .invalidField)
    }
}

/// ReKey Key Pair: a new pair of the same kind, names moved, linked both ways.
@Suite struct KMIPReKeyKeyPairTests {
    @Test(arguments: [KMIPVersion.v1_2, .v2_0]) func aPairIsReplacedAndLinked(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        let (oldPrivate, oldPublic) = try await KMIPKeyPairTests.keyPair(session, .ecdsa, length: 256)
        _ = try await session.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(oldPrivate))])
        let answer = try await session.send(.rekeyKeyPair, [TTLVItem(.privateKeyUniqueIdentifier, .textString(oldPrivate))])
        let newPrivate = try #require(answer.payload?[.privateKeyUniqueIdentifier]?.textValue, "\(answer)")
        let newPublic = try #require(answer.payload?[.publicKeyUniqueIdentifier]?.textValue)
        #expect(Set([newPrivate, newPublic]).isDisjoint(with: [oldPrivate, oldPublic]))
        // The new private key is Active (the old one was), a P-256 key that signs, and its public key verifies it.
        let message = Array("rekeyed".utf8)
        let ecdsa = [TTLVItem(.digitalSignatureAlgorithm, .enumeration(KMIPDigitalSignatureAlgorithm.ecdsaWithSHA256.rawValue))]
        let signature = try await KMIPKeyPairTests.sign(session, newPrivate, message, ecdsa)
        #expect(try await KMIPKeyPairTests.verify(session, newPublic, message, signature, ecdsa))
        #expect(try await !KMIPKeyPairTests.verify(session, oldPublic, message, signature, ecdsa))
        // Links: old -> replacement, new -> replaced and to each other; the name moved.
        let attributes = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(newPrivate))])
        let text = "\(attributes)"
        #expect(text.contains(oldPrivate) && text.contains(newPublic), "\(attributes)")
        // (The 1.x pair of KMIPKeyPairTests has no name.)
        #expect(text.contains("pair-private") == (version >= .v2_0))
        let old = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(oldPublic))])
        #expect("\(old)".contains(newPublic))
        #expect(!"\(try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(oldPrivate))]))".contains("pair-private"))
        // A public key is not rekeyed as a pair.
        let refused = try await session.send(.rekeyKeyPair, [TTLVItem(.privateKeyUniqueIdentifier, .textString(newPublic))])
        #expect(refused.resultStatus == .operationFailed)
    }
}
