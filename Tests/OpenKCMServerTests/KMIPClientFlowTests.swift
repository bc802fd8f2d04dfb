import Foundation
import Testing
import KMIP
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
        return Session(engine: engine, caller: Caller(identity: identity, correlationID: "flow"), version: version)
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
}
