import Crypto
import CryptoExtras
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Issue 22's asymmetric keys through the message layer and the real key
/// chain: Create Key Pair in the 1.x and 2.x forms, Sign and Signature Verify
/// (RSA PKCS#1 v1.5 and PSS, ECDSA), RSA-OAEP, Get in PKCS#1, PKCS#8 and
/// X.509, Register of a public key, each checked against swift-crypto on its own.
@Suite struct KMIPKeyPairTests {
    typealias Session = KMIPClientFlowTests.Session

    static func uid(_ uid: String) -> TTLVItem { TTLVItem(.uniqueIdentifier, .textString(uid)) }
    static func mask(_ bits: [KMIPCryptographicUsageMask]) -> Int32 { Int32(bits.reduce(0) { $0 | $1.rawValue }) }

    /// A key pair, both keys activated; (private, public).
    static func keyPair(_ session: Session, _ algorithm: KMIPCryptographicAlgorithm, length: Int32) async throws -> (String, String) {
        let payload: [TTLVItem]
        if session.version >= .v2_0 {
            payload = [
                .structure(.commonAttributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm.rawValue)), TTLVItem(.cryptographicLength, .integer(length))]),
                .structure(.privateKeyAttributes, [TTLVItem(.cryptographicUsageMask, .integer(mask([.sign, .decrypt]))),
                                                   .structure(.name, [TTLVItem(.nameValue, .textString("pair-private")), TTLVItem(.nameType, .enumeration(1))])]),
                .structure(.publicKeyAttributes, [TTLVItem(.cryptographicUsageMask, .integer(mask([.verify, .encrypt])))]),
            ]
        } else {
            payload = [
                .structure(.commonTemplateAttribute, [KMIPClientFlowTests.attribute("Cryptographic Algorithm", .enumeration(algorithm.rawValue)),
                                                      KMIPClientFlowTests.attribute("Cryptographic Length", .integer(length))]),
                .structure(.privateKeyTemplateAttribute, [KMIPClientFlowTests.attribute("Cryptographic Usage Mask", .integer(mask([.sign, .decrypt])))]),
                .structure(.publicKeyTemplateAttribute, [KMIPClientFlowTests.attribute("Cryptographic Usage Mask", .integer(mask([.verify, .encrypt])))]),
            ]
        }
        let made = try await session.send(.createKeyPair, payload)
        #expect(made.resultStatus == .success, "\(made)")
        let privateUID = try #require(made.payload?[.privateKeyUniqueIdentifier]?.textValue)
        let publicUID = try #require(made.payload?[.publicKeyUniqueIdentifier]?.textValue)
        for uid in [privateUID, publicUID] { #expect(try await session.send(.activate, [Self.uid(uid)]).resultStatus == .success) }
        return (privateUID, publicUID)
    }

    static func sign(_ session: Session, _ key: String, _ data: [UInt8], _ parameters: [TTLVItem]) async throws -> [UInt8] {
        let answer = try await session.send(.sign, [Self.uid(key), .structure(.cryptographicParameters, parameters), TTLVItem(.data, .byteString(data))])
        #expect(answer.resultStatus == .success, "\(answer)")
        return try #require(answer.payload?[.signatureData]?.bytesValue)
    }

    static func verify(_ session: Session, _ key: String, _ data: [UInt8], _ signature: [UInt8], _ parameters: [TTLVItem]) async throws -> Bool {
        let answer = try await session.send(.signatureVerify, [Self.uid(key), .structure(.cryptographicParameters, parameters),
                                                               TTLVItem(.data, .byteString(data)), TTLVItem(.signatureData, .byteString(signature))])
        #expect(answer.resultStatus == .success, "\(answer)")
        return answer.payload?[.validityIndicator]?.enumerationValue == KMIPValidityIndicator.valid.rawValue
    }

    static func get(_ session: Session, _ key: String, format: KMIPKeyFormatType? = nil) async throws -> (format: UInt32?, bytes: [UInt8]) {
        var payload = [Self.uid(key)]
        if let format { payload.append(TTLVItem(.keyFormatType, .enumeration(format.rawValue))) }
        let answer = try await session.send(.get, payload)
        #expect(answer.resultStatus == .success, "\(answer)")
        let block = try #require((answer.payload?[.privateKey] ?? answer.payload?[.publicKey])?[.keyBlock])
        return (block[.keyFormatType]?.enumerationValue, try #require(block[.keyValue]?[.keyMaterial]?.bytesValue))
    }

    @Test(arguments: [KMIPVersion.v1_4, .v2_0]) func anRSAKeyPairSignsVerifiesAndEncrypts(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        let (privateKey, publicKey) = try await Self.keyPair(session, .rsa, length: 2048)
        let message = Array("Veeam backup chunk".utf8)

        // PKCS#1 v1.5 with SHA-256, named both ways; and PSS. Checked by swift-crypto with the public key Get gives.
        let pkcs1 = try await Self.sign(session, privateKey, message, [TTLVItem(.digitalSignatureAlgorithm, .enumeration(KMIPDigitalSignatureAlgorithm.sha256WithRSAEncryption.rawValue))])
        let public1 = try await Self.get(session, publicKey)
        #expect(public1.format == KMIPKeyFormatType.pkcs1.rawValue)
        let spki = try await Self.get(session, publicKey, format: .x509)
        #expect(spki.format == KMIPKeyFormatType.x509.rawValue)
        let local = try _RSA.Signing.PublicKey(derRepresentation: spki.bytes)
        #expect(local.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pkcs1), for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5))
        #expect(try await Self.verify(session, publicKey, message, pkcs1, [TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.pkcs1v15.rawValue)),
                                                                          TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha256.rawValue))]))
        #expect(try await !Self.verify(session, publicKey, Array("another chunk".utf8), pkcs1, []))
        let pss = try await Self.sign(session, privateKey, message, [TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.pss.rawValue)),
                                                                     TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha384.rawValue))])
        #expect(local.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pss), for: SHA384.hash(data: message), padding: .PSS))

        // RSA-OAEP with SHA-256: swift-crypto encrypts to the public key, the server's private key opens it; and back.
        let oaep = [TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.oaep.rawValue)), TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha256.rawValue))]
        let sealed = try _RSA.Encryption.PublicKey(derRepresentation: spki.bytes).encrypt(message, padding: .PKCS1_OAEP_SHA256)
        let opened = try await session.send(.decrypt, [Self.uid(privateKey), .structure(.cryptographicParameters, oaep), TTLVItem(.data, .byteString(Array(sealed)))])
        #expect(opened.payload?[.data]?.bytesValue == message, "\(opened)")
        let encrypted = try await session.send(.encrypt, [Self.uid(publicKey), .structure(.cryptographicParameters, oaep), TTLVItem(.data, .byteString(message))])
        let privatePKCS8 = try await Self.get(session, privateKey, format: .pkcs8)
        #expect(privatePKCS8.format == KMIPKeyFormatType.pkcs8.rawValue)
        let localPrivate = try _RSA.Encryption.PrivateKey(derRepresentation: privatePKCS8.bytes)
        #expect(Array(try localPrivate.decrypt(try #require(encrypted.payload?[.data]?.bytesValue), padding: .PKCS1_OAEP_SHA256)) == message)
        // PKCS#1 v1.5 encryption is refused; a public key does not sign; the wrong usage is refused.
        let weak = try await session.send(.encrypt, [Self.uid(publicKey), .structure(.cryptographicParameters, [
            TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.pkcs1v15.rawValue))]), TTLVItem(.data, .byteString(message))])
        #expect(weak.resultStatus == .operationFailed && weak.resultReason == .featureNotSupported)
        let wrongKey = try await session.send(.sign, [Self.uid(publicKey), TTLVItem(.data, .byteString(message))])
        #expect(wrongKey.resultStatus == .operationFailed, "\(wrongKey)")

        // The two keys are linked to each other, and each has a Digest of its PKCS#1 bytes.
        let attributes = try await session.send(.getAttributes, [Self.uid(privateKey)])
        #expect(attributes.resultStatus == .success)
        let text = "\(attributes)"
        #expect(text.contains(publicKey), "the private key links to its public key: \(text.prefix(400))")
    }

    @Test func anECKeyPairSignsWithECDSAAndARegisteredPublicKeyVerifies() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        let (privateKey, publicKey) = try await Self.keyPair(session, .ecdsa, length: 256)
        let message = Array("a storage array's key request".utf8)
        let signature = try await Self.sign(session, privateKey, message, [TTLVItem(.digitalSignatureAlgorithm, .enumeration(KMIPDigitalSignatureAlgorithm.ecdsaWithSHA256.rawValue))])
        let spki = try await Self.get(session, publicKey)
        #expect(spki.format == KMIPKeyFormatType.x509.rawValue)
        let local = try P256.Signing.PublicKey(derRepresentation: spki.bytes)
        #expect(local.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: signature), for: SHA256.hash(data: message)))
        #expect(try await Self.verify(session, publicKey, message, signature, []))

        // A public key made elsewhere, registered as X.509: it verifies what its private key signed.
        let outside = P384.Signing.PrivateKey()
        let registered = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.publicKey.rawValue)),
            .structure(.attributes, [TTLVItem(.activationDate, .dateTime(949_363_200))]),
            .structure(.publicKey, [.structure(.keyBlock, [
                TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.x509.rawValue)),
                .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(Array(outside.publicKey.derRepresentation)))]),
            ])]),
        ])
        let outsideUID = try #require(registered.payload?[.uniqueIdentifier]?.textValue, "\(registered)")
        let outsideSignature = try outside.signature(for: SHA384.hash(data: message)).derRepresentation
        #expect(try await Self.verify(session, outsideUID, message, Array(outsideSignature), [TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha384.rawValue))]))
        #expect(try await !Self.verify(session, outsideUID, message, Array(outsideSignature), []), "SHA-256 by default: another hash does not verify")
        // Garbage is Invalid Field, not a crash.
        let garbage = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.privateKey.rawValue)),
            .structure(.privateKey, [.structure(.keyBlock, [TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.pkcs8.rawValue)),
                                                            .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString([0x30, 0x03, 0x02, 0x01, 0x01]))])])]),
        ])
        #expect(garbage.resultStatus == .operationFailed && garbage.resultReason == .invalidField, "\(garbage)")
    }
}
