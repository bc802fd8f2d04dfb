import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// Destroying a tenant makes its KMIP objects unrecoverable, every type of
/// them, and leaves nothing of them behind: a tenant created later under the
/// same name (and its client) finds none of the old objects, not even their
/// attributes.
@Suite struct KMIPTenantDestructionTests {
    @Test func aDestroyedTenantsObjectsAreGoneForGood() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        let core = try #require(session.core)
        let unsealed = try core.unsealed()
        let key = try await KMIPProfileAnswersTests.register(session, [TTLVItem(.activationDate, .dateTime(949_363_200))])
        let secret = try await KMIPDeriveKeyTests.registerSecret(session, Array("pw".utf8))
        let (privateKey, publicKey) = try await KMIPKeyPairTests.keyPair(session, .ecdsa, length: 256)
        let opaque = try await session.send(.register, [TTLVItem(.objectType, .enumeration(KMIPObjectType.opaqueData.rawValue)),
            .structure(.opaqueObject, [TTLVItem(.opaqueDataType, .enumeration(0x8000_0001)), TTLVItem(.opaqueDataValue, .byteString([1, 2, 3]))])])
        let uids = [key, secret, privateKey, publicKey, try #require(opaque.payload?[.uniqueIdentifier]?.textValue)]
        #expect(try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(key))]).resultStatus == .success)

        let governance = try await unsealed.identities.create(name: "gov", role: .governance, tenant: tenant("acme")).identity
        try await Operations(core: core).destroyTenant(tenant("acme"), caller: Caller(identity: governance, correlationID: "destroy"))
        // The old client is revoked with its tenant.
        #expect(try await session.send(.get, [TTLVItem(.uniqueIdentifier, .textString(key))]).resultStatus == .operationFailed)

        // A new tenant under the same name, with a new client: none of the old objects, by identifier or by Locate.
        try await unsealed.keyChain.createTenant(tenant("acme"), l1: harness.l1.reference)
        let successorGovernance = try await unsealed.identities.create(name: "gov-2", role: .governance, tenant: tenant("acme")).identity
        _ = try await Operations(core: core).createService(service("vsphere"), tenant: tenant("acme"),
                                                            caller: Caller(identity: successorGovernance, correlationID: "recreate"))
        let identity = try await unsealed.identities.create(name: "vcenter-2", role: .crypto, tenant: tenant("acme"), service: service("vsphere")).identity
        let successor = KMIPClientFlowTests.Session(engine: session.engine, caller: Caller(identity: identity, correlationID: "after"), version: .v2_1, core: core)
        for uid in uids {
            for operation in [KMIPOperation.get, .getAttributes] {
                let answer = try await successor.send(operation, [TTLVItem(.uniqueIdentifier, .textString(uid))])
                #expect(answer.resultStatus == .operationFailed && answer.resultReason == .objectNotFound, "\(operation) \(uid): \(answer)")
            }
        }
        let located = try await successor.send(.locate, [TTLVItem(.storageStatusMask, .integer(0x7))])
        #expect(located.payload?.all(.uniqueIdentifier).isEmpty == true, "\(located)")
    }
}
