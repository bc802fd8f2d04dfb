import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import OpenKCMCore
import OpenKCMServer
import Foundation

/// Cross-tenant attempts never succeed; bad input always gets a 4xx problem.
@Suite struct HostileInputTests {
    struct Setup {
        let core: ServerCore
        let rootToken: String
        let tokens: [String: String]  // "tenant/service" -> crypto token
    }

    static func setUp(_ harness: ServerHarness) async throws -> Setup {
        let core = try await harness.makeCore()
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        let unsealed = try core.unsealed()
        var tokens: [String: String] = [:]
        for t in ["acme", "globex"] {
            try await unsealed.keyChain.createTenant(try TenantID(t), l1: harness.l1.reference)
            for s in ["payments", "audit"] {
                try await unsealed.keyChain.createService(try ServiceID(s), tenant: try TenantID(t))
                tokens["\(t)/\(s)"] = try await unsealed.identities.create(
                    name: "\(t)-\(s)", role: .crypto, tenant: try TenantID(t), service: try ServiceID(s)).token
            }
        }
        return Setup(core: core, rootToken: rootToken, tokens: tokens)
    }

    @Test func crossTenantAttemptsNeverSucceed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let setup = try await Self.setUp(harness)
        let places = setup.tokens.keys.sorted()
        try await harness.application(setup.core).test(.router) { client async throws in
            // Each place makes a few blobs under its own token.
            var blobs: [String: [String]] = [:]
            for place in places {
                for record in 0..<3 {
                    let parts = place.split(separator: "/")
                    let made = try await client.call(.post, "/v1/tenants/\(parts[0])/services/\(parts[1])/datakey", token: setup.tokens[place],
                                                     json: ["context": ["record": "\(record)"]])
                    #expect(made.status == 200)
                    blobs[place, default: []].append(made.string("wrapped"))
                }
            }
            var generator = SystemRandomNumberGenerator()
            var attempts = 0
            var successes = 0
            while attempts < 1_200 {
                let owner = places.randomElement(using: &generator)!
                let target = places.randomElement(using: &generator)!
                let tokenPlace = places.randomElement(using: &generator)!
                guard owner != target || tokenPlace != target else { continue }
                let parts = target.split(separator: "/")
                let blob = blobs[owner]!.randomElement(using: &generator)!
                var forged = Data(base64Encoded: blob)!
                if Bool.random(using: &generator), let victim = blobs[target]?.first, let victimBytes = Data(base64Encoded: victim) {
                    // Rewrite the header so the blob claims the target's L3 key id and version.
                    forged.replaceSubrange(5..<25, with: victimBytes[5..<25])
                }
                let action = ["unwrap", "rewrap"].randomElement(using: &generator)!
                let answer = try await client.call(.post, "/v1/tenants/\(parts[0])/services/\(parts[1])/\(action)", token: setup.tokens[tokenPlace],
                                                   json: ["wrapped": forged.base64EncodedString(), "context": ["record": "0"]])
                attempts += 1
                if answer.status == 200 { successes += 1 }
                #expect(answer.status >= 400 && answer.status < 500, "\(answer.status) \(answer.json)")
            }
            // Path tricks around the scope.
            for path in ["/v1/tenants/ACME/services/payments/datakey", "/v1/tenants/acme%2F..%2Fglobex/services/payments/datakey",
                         "/v1/tenants/../tenants/globex/services/payments/datakey", "/v1/tenants/globex/services/payments/datakey",
                         "/v1/tenants/acme/services/payments%00/datakey", "/v1/tenants/acme/services/Payments/datakey"] {
                let answer = try await client.call(.post, path, token: setup.tokens["acme/payments"], json: [:])
                attempts += 1
                if answer.status == 200 { successes += 1 }
                #expect(answer.status >= 400 && answer.status < 500, "\(path) -> \(answer.status)")
            }
            #expect(attempts >= 1_000)
            #expect(successes == 0)
        }
    }

    @Test func badInputGetsProblemJSONNeverA5xx() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let setup = try await Self.setUp(harness)
        let root = setup.rootToken
        let app = setup.tokens["acme/payments"]!
        let base = "/v1/tenants/acme/services/payments"
        var cases: [(HTTPRequest.Method, String, String?, String)] = [
            (.post, "/v1/tenants", root, "{"),
            (.post, "/v1/tenants", root, "[]"),
            (.post, "/v1/tenants", root, "null"),
            (.post, "/v1/tenants", root, "\"text\""),
            (.post, "/v1/tenants", root, "{\"id\": 5, \"l1\": {\"provider\": \"software\", \"key\": \"customer-l1\"}}"),
            (.post, "/v1/tenants", root, "{\"id\": \"x\"}"),
            (.post, "/v1/tenants", root, "{\"id\": \"x\", \"l1\": \"software\"}"),
            (.post, "/v1/tenants", root, "{\"id\": \"x\", \"l1\": {\"provider\": \"software\", \"key\": \"customer-l1\"}, \"admin\": true}"),
            (.post, "/v1/tenants", root, "{\"id\": \"../etc\", \"l1\": {\"provider\": \"software\", \"key\": \"customer-l1\"}}"),
            (.post, "/v1/tenants", root, "{\"id\": \"x\", \"l1\": {\"provider\": \"nope\", \"key\": \"k\"}}"),
            (.post, "/v1/tenants", root, "{\"id\": \"\(String(repeating: "a", count: 100))\", \"l1\": {\"provider\": \"software\", \"key\": \"customer-l1\"}}"),
            (.post, "/v1/tenants/acme/keys/rollback", root, "{\"version\": -1}"),
            (.post, "/v1/tenants/acme/keys/rollback", root, "{\"version\": 99}"),
            (.post, "/v1/tenants/acme/keys/rollback", root, "{\"version\": \"1\"}"),
            (.put, "/v1/tenants/acme/keys/min-decryption-version", root, "{\"version\": 0}"),
            (.put, "/v1/tenants/acme/keys/min-decryption-version", root, "{\"version\": 4294967296}"),
            (.post, "/v1/identities", root, "{\"name\": \"x\", \"role\": \"superuser\"}"),
            (.post, "/v1/identities", root, "{\"name\": \"x\", \"role\": \"crypto\"}"),
            (.post, "/v1/sys/init", nil, "{\"shares\": 300, \"threshold\": 2}"),
            (.post, "/v1/sys/unseal", nil, "{\"share\": \"\"}"),
            (.post, "\(base)/unwrap", app, "{\"wrapped\": \"not base64!!\"}"),
            (.post, "\(base)/unwrap", app, "{\"wrapped\": \"AAAA\"}"),
            (.post, "\(base)/unwrap", app, "{}"),
            (.post, "\(base)/unwrap", app, "{\"wrapped\": 12}"),
            (.post, "\(base)/wrap", app, "{\"plaintext\": \"AAAA\"}"),
            (.post, "\(base)/wrap", app, "{\"plaintext\": \"\(Data(count: 32).base64EncodedString())\", \"wrapped\": \"AAAA\"}"),
            (.post, "\(base)/datakey", app, "{\"context\": {\"\": \"x\"}}"),
            (.post, "\(base)/datakey", app, "{\"context\": {\"k\": \"\(String(repeating: "v", count: 2000))\"}}"),
            (.post, "\(base)/datakey", app, "{\"context\": {\"k\": 1}}"),
            (.post, "\(base)/datakey", app, "{\"context\": [\"k\"]}"),
            (.post, "\(base)/datakey/batch", app, "{\"items\": []}"),
            (.post, "\(base)/datakey/batch", app, "{\"items\": {}}"),
            (.post, "\(base)/datakey/batch", app, "{\"items\": [" + Array(repeating: "{}", count: 1001).joined(separator: ",") + "]}"),
            (.post, "\(base)/datakey", app, "{\"x\": \"" + String(repeating: "a", count: 1_100_000) + "\"}"),
            (.get, "/v1/nothing/here", root, ""),
            (.patch, "/v1/tenants", root, "{}"),
            (.get, "/v1/audit?from=abc&limit=-5", root, ""),
        ]
        // Many more malformed bodies: every truncation of a valid request.
        let valid = "{\"id\": \"newtenant\", \"l1\": {\"provider\": \"software\", \"key\": \"customer-l1\"}}"
        for length in 0..<valid.count { cases.append((.post, "/v1/tenants", root, String(valid.prefix(length)))) }
        let validWrap = "{\"plaintext\": \"\(Data(count: 32).base64EncodedString())\", \"context\": {\"a\": \"b\"}}"
        for length in 0..<validWrap.count { cases.append((.post, "\(base)/wrap", app, String(validWrap.prefix(length)))) }
        // Every single-character corruption of a valid unwrap body.
        let validUnwrap = "{\"wrapped\": \"AAAA\", \"context\": {\"a\": \"b\"}}"
        for index in validUnwrap.indices {
            var corrupted = validUnwrap
            corrupted.replaceSubrange(index...index, with: "\u{7F}")
            cases.append((.post, "\(base)/unwrap", app, corrupted))
        }
        #expect(cases.count >= 200)
        let requests = cases

        try await harness.application(setup.core).test(.router) { client async throws in
            for (method, path, token, body) in requests {
                let answer = try await client.call(method, path, token: token, raw: body.isEmpty ? nil : body)
                let ok = (400..<500).contains(answer.status) || (path.hasPrefix("/v1/audit") && answer.status == 200)
                #expect(ok, "\(method) \(path) \(body.prefix(80)) -> \(answer.status) \(answer.json)")
                if answer.status >= 400 {
                    #expect(answer.contentType == "application/problem+json", "\(path) -> \(answer.contentType ?? "none")")
                    #expect(!answer.string("code").isEmpty && answer.correlationID != nil)
                }
            }
            // The server is still healthy and the audit chain intact after all that.
            #expect(try await client.call(.get, "/v1/sys/health").status == 200)
            #expect(try await client.call(.post, "/v1/audit/verify", token: root)["intact"] as? Bool == true)
        }
    }
}

@Suite struct ScopeLifetimeTests {
    /// A crypto token dies with its tenant: it does not reach a new tenant that reuses the id.
    @Test func aDestroyedTenantsTokensDoNotReachItsSuccessor() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            for l1 in ["customer-l1", "customer-l1-b"] {
                _ = try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": "acme", "l1": ["provider": "software", "key": l1]])
                _ = try await client.call(.post, "/v1/tenants/acme/services", token: rootToken, json: ["id": "payments"])
                if l1 == "customer-l1" {
                    let identity = try await client.call(.post, "/v1/identities", token: rootToken,
                                                         json: ["name": "old", "role": "crypto", "tenant": "acme", "service": "payments"])
                    let oldToken = identity.string("token")
                    #expect(try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: oldToken, json: [:]).status == 200)
                    #expect(try await client.call(.delete, "/v1/tenants/acme", token: rootToken).status == 204)
                    #expect(try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: oldToken, json: [:]).status == 401)
                    continue
                }
            }
            // acme exists again, on another L1; the old customer's token is still dead.
            let identities = try await client.call(.get, "/v1/identities", token: rootToken)
            let old = (identities["identities"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "old" }
            #expect(old?["revoked"] as? Bool == true)
        }
    }

    @Test func batchItemsRefusedBeforeTheirOperationAreAudited() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        let unsealed = try core.unsealed()
        try await unsealed.keyChain.createTenant(try TenantID("acme"), l1: harness.l1.reference)
        try await unsealed.keyChain.createService(try ServiceID("payments"), tenant: try TenantID("acme"))
        let app = try await unsealed.identities.create(name: "a", role: .crypto, tenant: try TenantID("acme"), service: try ServiceID("payments")).token
        try await harness.application(core).test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap/batch", token: app,
                                               json: ["items": [["wrapped": "not base64!"], ["wrapped": "AAAA"], ["context": ["": "x"], "wrapped": "AAAA"]]])
            #expect(answer.status == 200)
            #expect((answer["results"] as? [[String: Any]])?.allSatisfy { $0["error"] != nil } == true)
        }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(entries.filter { $0.operation == "datakey.unwrap" && $0.outcome == .refused }.count == 3)
        _ = rootToken
    }
}
