import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport

/// A second tenant's KMIP identity against the first tenant's objects: Get,
/// Get Attributes, Locate, Encrypt, Activate, Revoke and Destroy, over and over,
/// and not one succeeds or reveals an identifier; the owner's objects are intact after.
@Suite struct KMIPTenantIsolationTests {
    @Test func anotherTenantNeverReachesTheObjects() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let unsealed = try core.unsealed()
        var callers: [String: Caller] = [:]
        for name in ["acme", "globex"] {
            try await unsealed.keyChain.createTenant(tenant(name), l1: harness.l1.reference)
            try await unsealed.keyChain.createService(service("payments"), tenant: tenant(name))
            let identity = try await unsealed.identities.create(name: name, role: .crypto, tenant: tenant(name), service: service("payments")).identity
            callers[name] = Caller(identity: identity, correlationID: name)
        }
        var engine = KMIPProtocolEngine()
        engine.registerObjectOperations(Operations(core: core))
        func send(_ caller: Caller, _ operation: KMIPOperation, _ payload: [TTLVItem]) async throws -> KMIPResponseBatchItem {
            let request = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: .v1_4, batchCount: 1),
                                             batchItems: [KMIPRequestBatchItem(operation: operation, payload: payload)])
            return try #require(try KMIPResponseMessage(TTLVDecoder().decode(await engine.respond(to: TTLVEncoder.encode(request.ttlv), caller: caller))).batchItems.first)
        }
        let acme = try #require(callers["acme"]), globex = try #require(callers["globex"])
        var uids: [String] = []
        for _ in 0..<5 {
            let created = try await send(acme, .create, [
                TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
                .structure(.attributes, [TTLVItem(.cryptographicAlgorithm, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue)),
                                         TTLVItem(.cryptographicLength, .integer(256))]),
            ])
            let uid = try #require(created.payload?[.uniqueIdentifier]?.textValue)
            _ = try await send(acme, .activate, [TTLVItem(.uniqueIdentifier, .textString(uid))])
            uids.append(uid)
        }
        let cbc = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.cbc.rawValue))])
        var attempts = 0
        var successes = 0
        for round in 0..<15 {
            for uid in uids {
                let id = TTLVItem(.uniqueIdentifier, .textString(uid))
                let tries: [(KMIPOperation, [TTLVItem])] = [
                    (.get, [id]), (.getAttributes, [id]), (.encrypt, [id, cbc, TTLVItem(.data, .byteString([UInt8(round)]))]),
                    (.activate, [id]), (.revoke, [id, .structure(.revocationReason, [TTLVItem(.revocationReasonCode, .enumeration(1))])]),
                    (.destroy, [id]), (.getAttributeList, [id]),
                ]
                for (operation, payload) in tries {
                    attempts += 1
                    let answer = try await send(globex, operation, payload)
                    if answer.resultStatus == .success { successes += 1 }
                    #expect(answer.resultReason == .itemNotFound, "\(operation): \(answer)")
                }
            }
            attempts += 1
            let located = try await send(globex, .locate, [])
            if located.payload?.all(.uniqueIdentifier).contains(where: { uids.contains($0.textValue ?? "") }) == true { successes += 1 }
        }
        print("KMIP tenant isolation: \(attempts) attempts by another tenant, \(successes) succeeded")
        #expect(attempts >= 500 && successes == 0)
        // The owner still has every key, Active.
        for uid in uids {
            let state = try await send(acme, .getAttributes, [TTLVItem(.uniqueIdentifier, .textString(uid)), TTLVItem(.attributeName, .textString("State"))])
            #expect(state.payload?[.attribute]?[.attributeValue]?.enumerationValue == KMIPState.active.rawValue)
        }
    }
}
