import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's usage metrics: data keys made, wrapped and unwrapped and
/// refusals by reason, per tenant and service, counted from what is audited
/// (single calls and batches alike), shown in the tenant's view and in
/// `/metrics`, where only the busiest pairs get series of their own.
@Suite struct UsageRegisterTests {
    @Test func usageIsCountedPerTenantAndServiceAndBounded() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme", "initech"])
        let root = try await core.unsealed().identities.create(name: "ops", role: .root).token
        let acme = try #require(tokens["acme"])
        try await harness.application(core).test(.router) { client async throws in
            let made = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: acme, json: ["context": ["a": "1"]])
            let wrapped = made.string("wrapped")
            _ = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey/batch", token: acme, json: ["items": [[:], [:], [:]]])
            _ = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: acme, json: ["wrapped": wrapped, "context": ["a": "1"]])
            // Refused: the wrong context.
            _ = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: acme, json: ["wrapped": wrapped, "context": ["a": "2"]])

            let tenant = try await client.call(.get, "/v1/tenants/acme", token: root)
            let usage = try #require((tenant["usage"] as? [String: Any])?["payments"] as? [String: Any], "\(tenant.json)")
            #expect(usage["generated"] as? Int == 4 && usage["unwrapped"] as? Int == 1 && usage["lastUse"] != nil, "\(usage)")
            #expect((usage["refusals"] as? [String: Any])?.values.compactMap { $0 as? Int }.reduce(0, +) == 1, "\(usage)")

            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains(#"openkcm_usage_operations{tenant="acme",service="payments",operation="generate"} 4"#), "\(text)")
            #expect(text.contains(#"openkcm_usage_refusals{tenant="acme",service="payments",reason=""#))
            #expect(!text.contains(#"tenant="initech""#), "a pair with no use has no series")
        }

        // Only the busiest 20 pairs get series of their own; the others are summed as other.
        let register = UsageRegister()
        for index in 0..<25 {
            for _ in 0...index {
                register.record([AuditEntry(time: Date(), correlationID: "c", identity: "i", operation: "datakey.wrap",
                                            tenant: "t\(index)", service: "s", outcome: .success)])
            }
        }
        let (top, rest) = register.busiest(UsageRegister.exportedScopes)
        #expect(top.count == 20 && top.first?.scope.tenant == "t24" && rest?.wrapped == 1 + 2 + 3 + 4 + 5)
    }
}
