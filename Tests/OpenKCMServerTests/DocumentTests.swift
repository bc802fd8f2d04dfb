import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import OpenKCMCore
import OpenKCMServer

/// `/openapi.json` describes exactly the routes the router serves; `/metrics` speaks Prometheus.
@Suite struct DocumentTests {
    @Test func theOpenAPIDocumentMatchesTheRealRoutes() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let router = buildRouter(operations: Operations(core: core))
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })

        let document = try await Application(router: router).test(.router) { client async throws in
            try await client.call(.get, "/openapi.json")
        }
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var described = Set<String>()
        for (path, methods) in paths {
            // Hummingbird describes a `:name` parameter as `{name}`, as OpenAPI does.
            for (method, operation) in methods {
                described.insert("\(method.uppercased()) \(path)")
                let operation = try #require(operation as? [String: Any])
                #expect(operation["responses"] != nil && operation["summary"] != nil, "\(method) \(path)")
            }
        }
        #expect(served.subtracting(described).isEmpty, "served but not described: \(served.subtracting(described).sorted())")
        #expect(described.subtracting(served).isEmpty, "described but not served: \(described.subtracting(served).sorted())")
        #expect(served.count >= 29)
    }

    @Test func metricsCountRequestsErrorsKeysAndTheSealState() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]])
            _ = try await client.call(.post, "/v1/tenants/acme/keys/rotate", token: rootToken)
            _ = try await client.call(.get, "/v1/tenants/nobody", token: rootToken)
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains("openkcm_requests_total{route=\"/v1/tenants\",method=\"POST\",status=\"201\"} 1"), "\(text)")
            #expect(text.contains("openkcm_request_duration_seconds_bucket"))
            #expect(text.contains("openkcm_errors_total{code=\"keychain.tenant_not_found\"} 1"))
            #expect(text.contains("openkcm_sealed 0"))
            #expect(text.contains("openkcm_keys{layer=\"L2.1\",state=\"active\"} 2"))
            // Raw ids never become label values.
            #expect(!text.contains("nobody"))
        }
    }
}
