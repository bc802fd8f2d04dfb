import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Encrypt and Decrypt through the KMIP message layer and the real key chain:
/// AES-GCM with additional data and a server-made nonce (KMIP 1.4), HMAC-SHA256
/// MAC and MAC Verify (a forged MAC is Invalid), a wrong
/// tag or additional data refused as a Cryptographic Failure, and the kill
/// switch refusing the same key once the tenant is locked.
@Suite struct KMIPCipherTests {
    @Test func gcmWithAdditionalDataAndTheKillSwitch() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let operations = Operations(core: core)
        let unsealed = try core.unsealed()
        try await unsealed.keyChain.createTenant(tenant("acme"), l1: harness.l1.reference)
        try await unsealed.keyChain.createService(service("payments"), tenant: tenant("acme"))
        let identity = try await unsealed.identities.create(name: "kmip", role: .crypto, tenant: tenant("acme"), service: service("payments")).identity
        let caller = Caller(identity: identity, correlationID: "test")
        var engine = KMIPProtocolEngine()
        engine.registerObjectOperations(operations)

        func send(_ operation: KMIPOperation, _ payload: [TTLVItem]) async throws -> KMIPResponseBatchItem {
            let request = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: .v1_4, batchCount: 1),
                                             batchItems: [KMIPRequestBatchItem(operation: operation, payload: payload)])
            let bytes = await engine.respond(to: TTLVEncoder.encode(request.ttlv), caller: caller)
            return try #require(try KMIPResponseMessage(TTLVDecoder().decode(bytes)).batchItems.first)
        }
        let created = try await send(.create, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.templateAttribute, [
                .structure(.attribute, [TTLVItem(.attributeName, .textString("Cryptographic Algorithm")), TTLVItem(.attributeValue, .enumeration(3))]),
                .structure(.attribute, [TTLVItem(.attributeName, .textString("Cryptographic Length")), TTLVItem(.attributeValue, .integer(256))]),
            ]),
        ])
        let uid = try #require(created.payload?[.uniqueIdentifier]?.textValue, "\(created)")
        #expect(try await send(.activate, [TTLVItem(.uniqueIdentifier, .textString(uid))]).resultStatus == .success)
        let list = try await send(.getAttributeList, [TTLVItem(.uniqueIdentifier, .textString(uid))])
        let listed = Set(list.payload?.all(.attributeName).compactMap(\.textValue) ?? [])
        #expect(listed.isSuperset(of: ["Unique Identifier", "Object Type", "State", "Cryptographic Algorithm", "Cryptographic Length", "Activation Date"]), "\(listed)")

        let gcm = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue)),
                                                                TTLVItem(.tagLength, .integer(16))])
        let aad = TTLVItem(.authenticatedEncryptionAdditionalData, .byteString(Array("order-42".utf8)))
        let message = Array("the customer's record".utf8)
        let sealed = try await send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), gcm, TTLVItem(.data, .byteString(message)), aad])
        let ciphertext = try #require(sealed.payload?[.data]?.bytesValue, "\(sealed)")
        let nonce = try #require(sealed.payload?[.ivCounterNonce]?.bytesValue)
        let tag = try #require(sealed.payload?[.authenticatedEncryptionTag]?.bytesValue)
        #expect(nonce.count == 12 && tag.count == 16 && ciphertext != message)

        func open(_ tag: [UInt8], _ aad: TTLVItem) async throws -> KMIPResponseBatchItem {
            try await send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(uid)), gcm, TTLVItem(.data, .byteString(ciphertext)),
                                      TTLVItem(.ivCounterNonce, .byteString(nonce)), aad, TTLVItem(.authenticatedEncryptionTag, .byteString(tag))])
        }
        #expect(try await open(tag, aad).payload?[.data]?.bytesValue == message)
        var badTag = tag
        badTag[0] ^= 1
        #expect(try await open(badTag, aad).resultReason == .cryptographicFailure)
        #expect(try await open(tag, TTLVItem(.authenticatedEncryptionAdditionalData, .byteString(Array("order-43".utf8)))).resultReason == .cryptographicFailure)

        // MAC and MAC Verify with an HMAC-SHA256 key; an AES key does not MAC.
        let hmacKey = try await send(.create, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.hmacSha256.rawValue)),
                                     TTLVItem(.cryptographicLength, .integer(256))]),
        ])
        let macUID = try #require(hmacKey.payload?[.uniqueIdentifier]?.textValue, "\(hmacKey)")
        #expect(try await send(.activate, [TTLVItem(.uniqueIdentifier, .textString(macUID))]).resultStatus == .success)
        let made = try await send(.mac, [TTLVItem(.uniqueIdentifier, .textString(macUID)), TTLVItem(.data, .byteString(message))])
        let mac = try #require(made.payload?[.macData]?.bytesValue, "\(made)")
        #expect(mac.count == 32)
        func verify(_ mac: [UInt8]) async throws -> UInt32? {
            try await send(.macVerify, [TTLVItem(.uniqueIdentifier, .textString(macUID)), TTLVItem(.data, .byteString(message)),
                                        TTLVItem(.macData, .byteString(mac))]).payload?[.validityIndicator]?.enumerationValue
        }
        #expect(try await verify(mac) == KMIPValidityIndicator.valid.rawValue)
        var forged = mac
        forged[31] ^= 1
        #expect(try await verify(forged) == KMIPValidityIndicator.invalid.rawValue)
        #expect(try await send(.mac, [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.data, .byteString(message))]).resultReason == .invalidField)

        // The kill switch: the tenant's L1 is unlinked, and the key no longer decrypts.
        try await unsealed.keyChain.unlinkL1(tenant("acme"))
        let locked = try await open(tag, aad)
        #expect(locked.resultStatus == .operationFailed && locked.resultReason == .permissionDenied, "\(locked)")
        #expect(locked.resultMessage?.contains("L1") == true, "\(locked)")
    }
}
