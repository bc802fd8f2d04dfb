import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Flows that products in the field send, replayed as hand-built TTLV through
/// the message layer and the real key chain, at the KMIP version each client
/// uses; no response carries a tag that version does not define.
@Suite struct KMIPClientFlowTests {
    struct Session {
        let engine: KMIPProtocolEngine
        let caller: Caller
        let version: KMIPVersion
        /// The server behind the engine (for tests that pull the kill switch).
        var core: ServerCore? = nil

        func send(_ operation: KMIPOperation, _ payload: [TTLVItem]) async throws -> KMIPResponseBatchItem {
            let request = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: version, batchCount: 1),
                                             batchItems: [KMIPRequestBatchItem(operation: operation, payload: payload)])
            let bytes = await engine.respond(to: TTLVEncoder.encode(request.ttlv), caller: caller)
            let tree = try TTLVDecoder().decode(bytes)
            #expect(KMIPProtocolEngineTests.undefinedTags(tree, in: version).isEmpty, "\(operation): \(KMIPProtocolEngineTests.undefinedTags(tree, in: version))")
            return try #require(try KMIPResponseMessage(tree).batchItems.first)
        }
    }

    static func session(_ version: KMIPVersion, harness: ServerHarness) async throws -> Session {
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let unsealed = try core.unsealed()
        try await unsealed.keyChain.createTenant(tenant("acme"), l1: harness.l1.reference)
        try await unsealed.keyChain.createService(service("vsphere"), tenant: tenant("acme"))
        let identity = try await unsealed.identities.create(name: "vcenter", role: .crypto, tenant: tenant("acme"), service: service("vsphere")).identity
        var engine = KMIPProtocolEngine()
        engine.registerObjectOperations(Operations(core: core))
        return Session(engine: engine, caller: Caller(identity: identity, correlationID: "flow"), version: version, core: core)
    }

    static func attribute(_ name: String, _ value: TTLVValue) -> TTLVItem {
        .structure(.attribute, [TTLVItem(.attributeName, .textString(name)), TTLVItem(.attributeValue, value)])
    }

    @Test func vCenter() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await Self.session(.v1_1, harness: harness)
        #expect(try await session.send(.discoverVersions, []).resultStatus == .success)
        let info = try await session.send(.query, [TTLVItem(.queryFunction, .enumeration(KMIPQueryFunction.queryServerInformation.rawValue))])
        #expect(info.payload?[.vendorIdentification]?.textValue == "OpenKCM")
        let created = try await session.send(.create, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.templateAttribute, [
                Self.attribute("Cryptographic Algorithm", .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                Self.attribute("Cryptographic Length", .integer(256)),
                Self.attribute("Cryptographic Usage Mask", .integer(Int32(KMIPCryptographicUsageMask.encrypt.rawValue | KMIPCryptographicUsageMask.decrypt.rawValue))),
            ]),
        ])
        let uid = try #require(created.payload?[.uniqueIdentifier]?.textValue, "\(created)")
        let uidItem = TTLVItem(.uniqueIdentifier, .textString(uid))
        let state = try await session.send(.getAttributes, [uidItem, TTLVItem(.attributeName, .textString("State"))])
        #expect(state.payload?[.attribute]?[.attributeValue]?.enumerationValue == KMIPState.preActive.rawValue, "\(state)")
        for (name, value) in [("x-Vendor", "VMware, Inc."), ("x-Product", "VMware vSphere"), ("x-Product_Version", "8.0.2")] {
            let added = try await session.send(.addAttribute, [uidItem, Self.attribute(name, .textString(value))])
            #expect(added.resultStatus == .success && added.payload?[.attribute]?[.attributeValue]?.textValue == value, "\(added)")
        }
        #expect(try await session.send(.addAttribute, [uidItem, Self.attribute("x-Vendor", .textString("again"))]).resultReason == .invalidField)
        let custom = try await session.send(.getAttributes, [uidItem, TTLVItem(.attributeName, .textString("x-Product"))])
        #expect(custom.payload?[.attribute]?[.attributeValue]?.textValue == "VMware vSphere", "\(custom)")
        #expect(try await session.send(.activate, [uidItem]).resultStatus == .success)
        let got = try await session.send(.get, [uidItem])
        #expect(got.payload?[.symmetricKey]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue?.count == 32, "\(got)")
        // Modify and Delete Attribute on a custom attribute.
        #expect(try await session.send(.modifyAttribute, [uidItem, Self.attribute("x-Product_Version", .textString("8.0.3"))]).resultStatus == .success)
        let deleted = try await session.send(.deleteAttribute, [uidItem, TTLVItem(.attributeName, .textString("x-Product_Version"))])
        #expect(deleted.payload?[.attribute]?[.attributeValue]?.textValue == "8.0.3", "\(deleted)")
        #expect(try await session.send(.deleteAttribute, [uidItem, TTLVItem(.attributeName, .textString("x-Product_Version"))]).resultReason == .itemNotFound)
    }

    static func secretData(_ bytes: [UInt8]) -> TTLVItem {
        .structure(.secretData, [
            TTLVItem(.secretDataType, .enumeration(KMIPSecretDataType.password.rawValue)),
            .structure(.keyBlock, [TTLVItem(.keyFormatType, .enumeration(KMIPKeyFormatType.opaque.rawValue)),
                                   .structure(.keyValue, [TTLVItem(.keyMaterial, .byteString(bytes))])]),
        ])
    }

    @Test func libmongocrypt() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        // KMIP 1.0: Register a 96-byte Secret Data (no usage mask), Activate, Get.
        let old = try await Self.session(.v1_0, harness: harness)
        let secret = (0..<96).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let registered = try await old.send(.register, [TTLVItem(.objectType, .enumeration(KMIPObjectType.secretData.rawValue)),
                                                        .structure(.templateAttribute, []), Self.secretData(secret)])
        let uid = try #require(registered.payload?[.uniqueIdentifier]?.textValue, "\(registered)")
        #expect(try await old.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(uid))]).resultStatus == .success)
        let got = try await old.send(.get, [TTLVItem(.uniqueIdentifier, .textString(uid))])
        #expect(got.payload?[.secretData]?[.keyBlock]?[.keyValue]?[.keyMaterial]?.bytesValue == secret, "\(got)")

        // KMIP 1.2 delegated mode: Create AES-256 for Encrypt|Decrypt, then AES-CBC with PKCS5 padding and a random IV.
        let new = Session(engine: old.engine, caller: old.caller, version: .v1_2)
        let created = try await new.send(.create, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
            .structure(.templateAttribute, [
                Self.attribute("Cryptographic Algorithm", .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                Self.attribute("Cryptographic Length", .integer(256)),
                Self.attribute("Cryptographic Usage Mask", .integer(Int32(KMIPCryptographicUsageMask.encrypt.rawValue | KMIPCryptographicUsageMask.decrypt.rawValue))),
            ]),
        ])
        let key = try #require(created.payload?[.uniqueIdentifier]?.textValue)
        #expect(try await new.send(.activate, [TTLVItem(.uniqueIdentifier, .textString(key))]).resultStatus == .success)
        let cbc = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.cbc.rawValue)),
                                                                TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.pkcs5.rawValue)),
                                                                TTLVItem(.randomIv, .boolean(true))])
        let dataKey = (0..<96).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let encrypted = try await new.send(.encrypt, [TTLVItem(.uniqueIdentifier, .textString(key)), cbc, TTLVItem(.data, .byteString(dataKey))])
        let ciphertext = try #require(encrypted.payload?[.data]?.bytesValue, "\(encrypted)")
        let iv = try #require(encrypted.payload?[.ivCounterNonce]?.bytesValue)
        #expect(ciphertext.count == 112 && iv.count == 16)
        let decrypted = try await new.send(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(key)), cbc, TTLVItem(.data, .byteString(ciphertext)),
                                                      TTLVItem(.ivCounterNonce, .byteString(iv))])
        #expect(decrypted.payload?[.data]?.bytesValue == dataKey)
    }

    @Test func perconaKeyring() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await Self.session(.v1_1, harness: harness)
        // Register Secret Data pre-active, with an Object Group and no usage mask; then Activate, polling State.
        let registered = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.secretData.rawValue)),
            .structure(.templateAttribute, [Self.attribute("Object Group", .textString("percona-keyring")),
                                            Self.attribute("Name", .structure([TTLVItem(.nameValue, .textString("INNODBKey-1")),
                                                                               TTLVItem(.nameType, .enumeration(1))]))]),
            Self.secretData(Array(repeating: 0x42, count: 32)),
        ])
        let uid = try #require(registered.payload?[.uniqueIdentifier]?.textValue, "\(registered)")
        let uidItem = TTLVItem(.uniqueIdentifier, .textString(uid))
        func state() async throws -> UInt32? {
            try await session.send(.getAttributes, [uidItem, TTLVItem(.attributeName, .textString("State"))]).payload?[.attribute]?[.attributeValue]?.enumerationValue
        }
        #expect(try await state() == KMIPState.preActive.rawValue)
        #expect(try await session.send(.activate, [uidItem]).resultStatus == .success)
        #expect(try await state() == KMIPState.active.rawValue)
        // Locate by Object Group.
        let located = try await session.send(.locate, [Self.attribute("Object Group", .textString("percona-keyring"))])
        #expect(located.payload?.all(.uniqueIdentifier).compactMap(\.textValue) == [uid], "\(located)")
        // Destroy is refused while Active; Revoke, then Destroy.
        #expect(try await session.send(.destroy, [uidItem]).resultStatus == .operationFailed)
        let revoked = try await session.send(.revoke, [uidItem, .structure(.revocationReason, [
            TTLVItem(.revocationReasonCode, .enumeration(KMIPRevocationReasonCode.cessationOfOperation.rawValue))])])
        #expect(revoked.resultStatus == .success)
        #expect(try await state() == KMIPState.deactivated.rawValue)
        #expect(try await session.send(.destroy, [uidItem]).resultStatus == .success)
        #expect(try await session.send(.get, [uidItem]).resultReason == .itemNotFound)
    }
}
