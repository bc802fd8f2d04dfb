import Foundation
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// KMIP objects bound to a subject with the `x-openkcm-subject` custom
/// attribute: shredded with the subject, and the attribute fixed.
@Suite struct KMIPSubjectTests {
    @Test(arguments: [KMIPVersion.v1_2, KMIPVersion.v2_0])
    func anObjectBoundToASubjectIsShreddedWithIt(version: KMIPVersion) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let unsealed = try core.unsealed()
        try await unsealed.keyChain.createTenant(tenant("acme"), l1: harness.l1.reference)
        try await unsealed.keyChain.createService(service("vsphere"), tenant: tenant("acme"))
        let identity = try await unsealed.identities.create(name: "vcenter", role: .crypto, tenant: tenant("acme"), service: service("vsphere")).identity
        var engine = KMIPProtocolEngine()
        engine.registerObjectOperations(Operations(core: core))
        let session = KMIPClientFlowTests.Session(engine: engine, caller: Caller(identity: identity, correlationID: "subject"), version: version)

        func create(_ subject: String) async throws -> KMIPResponseBatchItem {
            let subjectAttribute: TTLVItem = version >= .v2_0
                ? .structure(.attribute, [TTLVItem(.vendorIdentification, .textString("x")), TTLVItem(.attributeName, .textString("openkcm-subject")),
                                          TTLVItem(.attributeValue, .textString(subject))])
                : KMIPClientFlowTests.attribute("x-openkcm-subject", .textString(subject))
            let container: TTLVItem = version >= .v2_0
                ? .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                           TTLVItem(.cryptographicLength, .integer(256)), subjectAttribute])
                : .structure(.templateAttribute, [KMIPClientFlowTests.attribute("Cryptographic Algorithm", .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                                  KMIPClientFlowTests.attribute("Cryptographic Length", .integer(256)), subjectAttribute])
            return try await session.send(.create, [TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)), container])
        }
        let alice = try #require(try await create("alice").payload?[.uniqueIdentifier]?.textValue)
        let bob = try #require(try await create("bob").payload?[.uniqueIdentifier]?.textValue)
        for uid in [alice, bob] {
            #expect(try await session.send(.get, [KMIPObjectOperationsTests.uid(uid)]).resultStatus == .success)
        }
        let change: KMIPResponseBatchItem
        if version >= .v2_0 {
            change = try await session.send(.deleteAttribute, [KMIPObjectOperationsTests.uid(alice), .structure(.attributeReference, [
                TTLVItem(.vendorIdentification, .textString("x")), TTLVItem(.attributeName, .textString("openkcm-subject"))])])
            #expect(change.resultReason == .attributeReadOnly, "\(change)")
        } else {
            change = try await session.send(.modifyAttribute, [KMIPObjectOperationsTests.uid(alice), KMIPClientFlowTests.attribute("x-openkcm-subject", .textString("bob"))])
            #expect(change.resultReason == .permissionDenied, "\(change)")
        }

        try await unsealed.keyChain.destroySubject(try SubjectID("alice"), tenant: tenant("acme"), service: service("vsphere"))
        let gone = try await session.send(.get, [KMIPObjectOperationsTests.uid(alice)])
        // Gone as a destroyed object is: Item Not Found in 1.x, Object Destroyed in 2.x; its attributes say Destroyed.
        let notFound: KMIPResultReason = version >= .v2_0 ? .objectNotFound : .itemNotFound
        #expect(gone.resultStatus != .success && gone.resultReason == (version >= .v2_0 ? .objectDestroyed : .itemNotFound), "\(gone)")
        let answer = try await session.send(.getAttributes, [KMIPObjectOperationsTests.uid(alice)])
        let state = version >= .v2_0 ? answer.payload?[.attributes]?[.state]
            : answer.payload?.all(.attribute).first { $0[.attributeName]?.textValue == "State" }?[.attributeValue]
        #expect(state?.enumerationValue == KMIPState.destroyed.rawValue, "\(answer)")
        #expect(try await session.send(.get, [KMIPObjectOperationsTests.uid(bob)]).resultStatus == .success)
        #expect(try await create("alice").resultReason == notFound)
        #expect(try await create("bad\u{7}subject").resultReason == .invalidField)
    }
}
