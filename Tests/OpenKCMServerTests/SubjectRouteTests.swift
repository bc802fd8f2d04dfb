import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMCore
import OpenKCMServer
import Synchronization
import Testing

/// Subject-bound data keys and subject destruction over REST, and revocation
/// limited to the caller's own service: typed problems, all audited.
@Suite struct SubjectRouteTests {
    static let base = "/v1/tenants/acme/services/payments"

    @Test func subjectsOverRESTWithTypedRefusals() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let token = try #require(tokens["acme"])
        let destroyedName = Mutex("")
        try await harness.application(core).test(.router) { client async throws in
            let made = try await client.call(.post, "\(Self.base)/datakey", token: token, json: ["subject": "alice", "context": ["t": "1"]])
            #expect(made.status == 200, "\(made.json)")
            let wrapped = made.string("wrapped")
            let opened = try await client.call(.post, "\(Self.base)/unwrap", token: token, json: ["wrapped": wrapped, "subject": "alice", "context": ["t": "1"]])
            #expect(opened.string("plaintext") == made.string("plaintext"))

            func refused(_ body: [String: Any], _ status: Int, _ code: String, path: String = "unwrap") async throws {
                let answer = try await client.call(.post, "\(Self.base)/\(path)", token: token, json: body)
                #expect(answer.status == status && answer.string("code") == code, "\(body) -> \(answer.status) \(answer.json)")
                #expect(answer.contentType == "application/problem+json")
            }
            try await refused(["wrapped": wrapped, "context": ["t": "1"]], 400, "keychain.subject_required")
            try await refused(["wrapped": wrapped, "subject": "bob", "context": ["t": "1"]], 400, "keychain.subject_mismatch")
            try await refused(["wrapped": wrapped, "subject": "alice"], 400, "keychain.subject_mismatch")
            try await refused(["wrapped": wrapped, "subject": "bad\u{1}id", "context": ["t": "1"]], 400, "keychain.invalid_identifier")
            try await refused(["subject": String(repeating: "x", count: 257)], 400, "keychain.invalid_identifier", path: "datakey")
            let plain = try await client.call(.post, "\(Self.base)/datakey", token: token, json: [:])
            try await refused(["wrapped": plain.string("wrapped"), "subject": "alice"], 400, "keychain.not_subject_bound")

            // A JSON batch carries subjects per item.
            let batch = try await client.call(.post, "\(Self.base)/unwrap/batch", token: token, json: ["items": [
                ["wrapped": wrapped, "subject": "alice", "context": ["t": "1"]], ["wrapped": wrapped, "context": ["t": "1"]],
            ]])
            let results = try #require(batch["results"] as? [[String: Any]])
            #expect(results.count == 2 && results[0]["plaintext"] as? String == made.string("plaintext"))
            #expect((results[1]["error"] as? [String: Any])?["code"] as? String == "keychain.subject_required")

            // Destroyed: 410 for its keys and for any new use of the id.
            let destroyed = try await client.call(.post, "\(Self.base)/subjects/destroy", token: token, json: ["subject": "alice"])
            #expect(destroyed.status == 200 && destroyed["destroyed"] as? Bool == true, "\(destroyed.json)")
            let aliceDigest = try SubjectID("alice").digest
            #expect(destroyed.string("subject").count == 64 && destroyed.string("subject") != aliceDigest)
            destroyedName.withLock { $0 = destroyed.string("subject") }
            try await refused(["wrapped": wrapped, "subject": "alice", "context": ["t": "1"]], 410, "keychain.subject_destroyed")
            try await refused(["subject": "alice"], 410, "keychain.subject_destroyed", path: "datakey")
            try await refused(["wrapped": wrapped, "subject": "alice", "context": ["t": "1"]], 410, "keychain.subject_destroyed", path: "rewrap")
            // Unknown fields are refused, as everywhere.
            try await refused(["subject": "bob", "extra": 1], 400, "request.unknown_field", path: "subjects/destroy")
        }
        // Audited under the keyed name the destruction answered, never the id nor its plain digest.
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        let name = destroyedName.withLock { $0 }
        #expect(audit.contains("subject:\(name)"))
        #expect(!audit.contains(try SubjectID("alice").digest))
        #expect(audit.contains(#""errorCode":"keychain.subject_destroyed""#))
        #expect(audit.contains(#""errorCode":"keychain.subject_mismatch""#))
        #expect(!audit.contains("alice"))
    }

    @Test func aRevocationTakesOnlyTheCallersOwnDataKeys() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme", "globex"])
        let unsealed = try core.unsealed()
        try await unsealed.keyChain.createService(ServiceID("other"), tenant: TenantID("acme"))
        let otherToken = try await unsealed.identities.create(name: "other-app", role: .crypto, tenant: TenantID("acme"), service: ServiceID("other")).token
        let token = try #require(tokens["acme"])
        try await harness.application(core).test(.router) { client async throws in
            let own = try await client.call(.post, "\(Self.base)/datakey", token: token, json: [:]).string("wrapped")
            let otherService = try await client.call(.post, "/v1/tenants/acme/services/other/datakey", token: otherToken, json: [:]).string("wrapped")
            let otherTenant = try await client.call(.post, "/v1/tenants/globex/services/payments/datakey", token: tokens["globex"], json: [:]).string("wrapped")
            for blob in [otherService, otherTenant] {
                let answer = try await client.call(.post, "\(Self.base)/revoke", token: token, json: ["wrapped": blob])
                #expect(answer.status == 400 && answer.string("code") == "keychain.foreign_key", "\(answer.json)")
                #expect(answer.contentType == "application/problem+json")
            }
            // The other service's key was not listed under acme/payments, nor anywhere: it still opens.
            let stillOpens = try await client.call(.post, "/v1/tenants/acme/services/other/unwrap", token: otherToken, json: ["wrapped": otherService])
            #expect(stillOpens.status == 200)

            let revoked = try await client.call(.post, "\(Self.base)/revoke", token: token, json: ["wrapped": own])
            #expect(revoked.status == 200 && revoked["revoked"] as? Bool == true && revoked["destroyed"] == nil, "\(revoked.json)")
            let refused = try await client.call(.post, "\(Self.base)/unwrap", token: token, json: ["wrapped": own])
            #expect(refused.status == 410 && refused.string("code") == "datakey.revoked")
            // The deprecated name still answers, with both fields.
            let another = try await client.call(.post, "\(Self.base)/datakey", token: token, json: [:]).string("wrapped")
            let alias = try await client.call(.post, "\(Self.base)/destroy", token: token, json: ["wrapped": another])
            #expect(alias.status == 200 && alias["revoked"] as? Bool == true && alias["destroyed"] as? Bool == true)
        }
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains(#""errorCode":"keychain.foreign_key""#) && audit.contains(#""operation":"datakey.revoke""#))
    }
}
