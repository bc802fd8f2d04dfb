import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// What a client allowed one use of a key cannot turn into another: one
/// construction per key, server-kept links, lifecycle dates that stay
/// history, derivation that inherits the base's protection and is bounded.
@Suite struct KMIPHardeningTests {
    typealias Session = KMIPClientFlowTests.Session

    @Test func aKeyServesOneConstruction() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        // A GCM key (its own parameters name GCM) answers no ECB or CTR.
        let gcmKey = try await KMIPProfileAnswersTests.register(session, [TTLVItem(.activationDate, .dateTime(949_363_200)),
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))])])
        let ecb = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(gcmKey)), TTLVItem(.data, .byteString([UInt8](repeating: 0, count: 16))),
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.ecb.rawValue))])])
        #expect(ecb.resultStatus == .operationFailed, "\(ecb)")
        #expect(try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(gcmKey)), TTLVItem(.data, .byteString([1]))]).resultStatus == .success)
        // A ChaCha20-Poly1305 key is never raw ChaCha20, and a ChaCha20 key never the AEAD.
        let aead = try await KMIPCipherVectorTests.register(session, .chacha20Poly1305, Array(0..<32))
        let raw = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(aead)), TTLVItem(.data, .byteString([0])),
            .structure(.cryptographicParameters, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.chacha20.rawValue))])])
        #expect(raw.resultStatus == .operationFailed, "\(raw)")
        let stream = try await KMIPCipherVectorTests.register(session, .chacha20, Array(0..<32))
        let asAEAD = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(stream)), TTLVItem(.data, .byteString([0])),
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.aead.rawValue))])])
        #expect(asAEAD.resultStatus == .operationFailed, "\(asAEAD)")
        // A counter that would wrap within the message is refused.
        let wrap = try await session.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(stream)), TTLVItem(.data, .byteString([UInt8](repeating: 0, count: 128))),
            TTLVItem(.ivCounterNonce, .byteString([0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 12)))])
        #expect(wrap.resultReason == .invalidField, "\(wrap)")
        // A request does not make an AES key a MAC key.
        let mac = try await session.send(.mac, [TTLVItem(.uniqueIdentifier, .textString(gcmKey)), TTLVItem(.data, .byteString([1])),
            .structure(.cryptographicParameters, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.hmacSha256.rawValue))])])
        #expect(mac.resultStatus == .operationFailed, "\(mac)")
    }

    @Test func serverLinksAndLifecycleDatesStay() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        let (privateKey, publicKey) = try await KMIPKeyPairTests.keyPair(session, .ecdsa, length: 256)
        let decoy = try await KMIPProfileAnswersTests.register(session, [])
        // A client cannot point a key pair's link elsewhere, nor delete it.
        let pointed = try await session.send(.addAttribute, [TTLVItem(.uniqueIdentifier, .textString(privateKey)), .structure(.newAttribute, [
            .structure(.link, [TTLVItem(.linkType, .enumeration(KMIPLinkType.publicKeyLink.rawValue)), TTLVItem(.linkedObjectIdentifier, .textString(decoy))])])])
        #expect(pointed.resultReason == .attributeReadOnly, "\(pointed)")
        let deleted = try await session.send(.deleteAttribute, [TTLVItem(.uniqueIdentifier, .textString(privateKey)),
                                                                TTLVItem(.attributeReference, .enumeration(TTLVTag.link.rawValue))])
        #expect(deleted.resultStatus == .operationFailed, "\(deleted)")
        #expect(try await session.send(.rekeyKeyPair, [TTLVItem(.privateKeyUniqueIdentifier, .textString(privateKey))]).resultStatus == .success)
        _ = publicKey
        // A Protect Stop Date that has come is history: not moved, not deleted.
        let now = Int64(Date().timeIntervalSince1970)
        let stopped = try await KMIPProfileAnswersTests.register(session, [TTLVItem(.protectStopDate, .dateTime(now - 60))])
        let moved = try await session.send(.modifyAttribute, [TTLVItem(.uniqueIdentifier, .textString(stopped)),
                                                              .structure(.newAttribute, [TTLVItem(.protectStopDate, .dateTime(now + 86_400))])])
        #expect(moved.resultReason == .wrongKeyLifecycleState, "\(moved)")
        let gone = try await session.send(.deleteAttribute, [TTLVItem(.uniqueIdentifier, .textString(stopped)),
                                                             TTLVItem(.attributeReference, .enumeration(TTLVTag.protectStopDate.rawValue))])
        #expect(gone.resultReason == .attributeReadOnly, "\(gone)")
    }

    @Test func derivationInheritsProtectionAndIsBounded() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        // A Sensitive, not Extractable base: what is derived from it is too.
        let base = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.secretData.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicUsageMask, .integer(Int32(KMIPCryptographicUsageMask.deriveKey.rawValue))),
                                     TTLVItem(.activationDate, .dateTime(949_363_200)), TTLVItem(.sensitive, .boolean(true)), TTLVItem(.extractable, .boolean(false))]),
            KMIPClientFlowTests.secretData(Array("password".utf8)),
        ])
        let baseUID = try #require(base.payload?[.uniqueIdentifier]?.textValue, "\(base)")
        let salt = TTLVItem(.salt, .byteString(Array("salt".utf8)))
        let derived = try await KMIPDeriveKeyTests.derive(session, from: baseUID, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(10))])
        let derivedUID = try #require(derived.payload?[.uniqueIdentifier]?.textValue, "\(derived)")
        let attributes = try await KMIPProfileAnswersTests.attributes(session, derivedUID)
        #expect(attributes[.sensitive]?.booleanValue == true && attributes[.extractable]?.booleanValue == false)
        #expect(try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(derivedUID))]).resultReason == .notExtractable)
        // PBKDF2 work is iterations times output blocks: a million iterations for a 4096-bit output is refused.
        let costly = try await KMIPDeriveKeyTests.derive(session, from: baseUID, .pbkdf2, [salt, TTLVItem(.iterationCount, .integer(1_000_000))],
                                                         type: .secretData, algorithm: nil, length: 4096)
        #expect(costly.resultReason == .invalidField, "\(costly)")
        // The Encrypt method needs the base's Encrypt use: a Derive-only key is no encryption oracle.
        let deriveOnly = try await KMIPProfileAnswersTests.register(session, [TTLVItem(.activationDate, .dateTime(949_363_200)),
            TTLVItem(.cryptographicUsageMask, .integer(Int32(KMIPCryptographicUsageMask.deriveKey.rawValue)))])
        let oracle = try await KMIPDeriveKeyTests.derive(session, from: deriveOnly, .encrypt, [
            .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.ecb.rawValue))]),
            TTLVItem(.derivationData, .byteString([UInt8](repeating: 0, count: 32)))])
        #expect(oracle.resultReason == .incompatibleCryptographicUsageMask, "\(oracle)")
    }
}
