import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Derive Key through the real engine and key chain: each method's output
/// checked against pyca/cryptography's (computed once, written here), the
/// links both ways, the base's usage mask and state, and the kill switch.
@Suite struct KMIPDeriveKeyTests {
    typealias Session = KMIPClientFlowTests.Session
    static let bytes = KMIPCipherVectorTests.bytes

    static func derive(_ session: Session, from base: String, _ method: KMIPDerivationMethod, _ parameters: [TTLVItem],
                       type: KMIPObjectType = .symmetricKey, algorithm: KMIPCryptographicAlgorithm? = .aes, length: Int32 = 256) async throws -> KMIPResponseBatchItem {
        var attributes = [TTLVItem(.cryptographicLength, .integer(length))]
        if let algorithm { attributes.append(TTLVItem(.cryptographicAlgorithm, .enumeration(algorithm.rawValue))) }
        let container: TTLVItem = session.version >= .v2_0
            ? .structure(.attributes, attributes)
            : .structure(.templateAttribute, attributes.map { item in
                KMIPClientFlowTests.attribute(item.tag == .cryptographicLength ? "Cryptographic Length" : "Cryptographic Algorithm", item.value) })
        return try await session.send(.deriveKey, [
            TTLVItem(.objectType, .enumeration(type.rawValue)), TTLVItem(.uniqueIdentifier, .textString(base)),
            TTLVItem(.derivationMethod, .enumeration(method.rawValue)), .structure(.derivationParameters, parameters), container,
        ])
    }

    static func material(_ session: Session, _ uid: String) async throws -> [UInt8] {
        let got = try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(uid))])
        let block = try #require((got.payload?[.symmetricKey] ?? got.payload?[.secretData])?[.keyBlock], "\(got)")
        return try #require(block[.keyValue]?[.keyMaterial]?.bytesValue)
    }

    static func registerSecret(_ session: Session, _ secret: [UInt8], mask: KMIPCryptographicUsageMask = .deriveKey) async throws -> String {
        let answer = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.secretData.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicUsageMask, .integer(Int32(mask.rawValue))), TTLVItem(.activationDate, .dateTime(949_363_200))]),
            KMIPClientFlowTests.secretData(secret),
        ])
        return try #require(answer.payload?[.uniqueIdentifier]?.textValue, "\(answer)")
    }

    @Test(arguments: [KMIPVersion.v1_2, .v2_0]) func everyMethodDerivesWhatTheStandardSays(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(version, harness: harness)
        let sha256 = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha256.rawValue))])

        // PBKDF2 from a password (secret data).
        let password = try await Self.registerSecret(session, Array("password".utf8))
        let pbkdf2 = try await Self.derive(session, from: password, .pbkdf2, [sha256, TTLVItem(.salt, .byteString(Array("salt".utf8))), TTLVItem(.iterationCount, .integer(1000))])
        let derived = try #require(pbkdf2.payload?[.uniqueIdentifier]?.textValue, "\(pbkdf2)")
        #expect(try await Self.material(session, derived) == Self.bytes("632c2812e46d4604102ba7618e9d6d7d2f8128f6266b4a03264d2a0460b7dcb3"))

        // HMAC (HKDF) and SP 800-108 counter mode from a key; Encrypt with AES-CBC.
        let key = try await KMIPCipherVectorTests.register(session, .aes, Array(0..<32))
        // (No usage mask: any use, Derive Key included.)
        let hkdf = try await Self.derive(session, from: key, .hmac, [sha256, TTLVItem(.salt, .byteString(Array("salt".utf8))), TTLVItem(.derivationData, .byteString(Array("context".utf8)))],
                                         algorithm: .hmacSha256)
        #expect(try await Self.material(session, try #require(hkdf.payload?[.uniqueIdentifier]?.textValue, "\(hkdf)"))
                == Self.bytes("b17d584ceaddd41896154c0bd3ab940e8e5a50b28a0b3b787f1cdc7a9847f74a"))
        let counter = try await Self.derive(session, from: key, .nist800108Counter, [sha256, TTLVItem(.derivationData, .byteString(Array("fixed input".utf8)))],
                                            type: .secretData, algorithm: nil, length: 384)
        #expect(try await Self.material(session, try #require(counter.payload?[.uniqueIdentifier]?.textValue, "\(counter)"))
                == Self.bytes("7adcb833b22f5cd484c9187921a5dbc8ba48a3cb8dff30385822edce4db384025620114ad90dbe5e1ad13d30513717ba"))
        let encrypted = try await Self.derive(session, from: key, .encrypt, [
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.cbc.rawValue)),
                                                  TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.none.rawValue))]),
            TTLVItem(.initializationVector, .byteString([UInt8](repeating: 0, count: 16))), TTLVItem(.derivationData, .byteString(Array(100..<132))),
        ])
        let encryptedUID = try #require(encrypted.payload?[.uniqueIdentifier]?.textValue, "\(encrypted)")
        #expect(try await Self.material(session, encryptedUID) == Self.bytes("93d81120b620bb4d7e8dbfabe6bf90dc464984e7037455c78c5871412b4babe9"))

        // Links both ways.
        let derivedLinks = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(encryptedUID))])
        #expect("\(derivedLinks)".contains(key))
        let baseAttributes = try await session.send(.getAttributes, [TTLVItem(.uniqueIdentifier, .textString(key))])
        #expect("\(baseAttributes)".contains(encryptedUID))
    }

    @Test func refusalsAndTheKillSwitch() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        let salt = TTLVItem(.salt, .byteString(Array("salt".utf8)))
        // A base whose usage mask lacks Derive Key; too many iterations; a method not served.
        let encryptOnly = try await Self.registerSecret(session, Array("pw".utf8), mask: .encrypt)
        let masked = try await Self.derive(session, from: encryptOnly, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(10))])
        #expect(masked.resultReason == .incompatibleCryptographicUsageMask, "\(masked)")
        let base = try await Self.registerSecret(session, Array("pw".utf8))
        let expensive = try await Self.derive(session, from: base, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(Int32(KMIPKeyDerivation.maximumIterations + 1)))])
        #expect(expensive.resultReason == .invalidField)
        let feedback = try await Self.derive(session, from: base, .nist800108Feedback, [TTLVItem(.derivationData, .byteString([1]))])
        #expect(feedback.resultReason == .featureNotSupported)
        let oddAES = try await Self.derive(session, from: base, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(10))], length: 200)
        #expect(oddAES.resultReason == .invalidField)
        let fine = try await Self.derive(session, from: base, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(10))])
        #expect(fine.resultStatus == .success, "\(fine)")

        // The kill switch: once the tenant's L1 is unlinked, no derivation runs.
        let unsealed = try #require(try session.core?.unsealed())
        try await unsealed.keyChain.unlinkL1(tenant("acme"))
        let locked = try await Self.derive(session, from: base, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(10))])
        #expect(locked.resultStatus == .operationFailed && locked.resultReason == .permissionDenied, "\(locked)")
    }
}
