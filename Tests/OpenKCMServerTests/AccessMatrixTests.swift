import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import OpenKCMCore
import OpenKCMServer

/// Every role against every route: allowed, or 403 and audited.
@Suite struct AccessMatrixTests {
    struct Route: @unchecked Sendable {  // immutable after creation; `body` holds JSON values only
        let method: HTTPRequest.Method
        let path: String
        let body: [String: Any]?
        let plane: Plane
    }

    static let routes: [Route] = [
        Route(method: .post, path: "/v1/tenants", body: ["id": "t-{role}", "l1": ["provider": "software", "key": "customer-l1"]], plane: .governance),
        Route(method: .get, path: "/v1/tenants", body: nil, plane: .governance),
        Route(method: .get, path: "/v1/tenants/acme", body: nil, plane: .governance),
        Route(method: .get, path: "/v1/tenants/acme/l1", body: nil, plane: .governance),
        Route(method: .put, path: "/v1/tenants/acme/l1", body: ["provider": "software", "key": "customer-l1"], plane: .governance),
        Route(method: .post, path: "/v1/tenants/acme/keys/rotate", body: nil, plane: .governance),
        Route(method: .post, path: "/v1/tenants/acme/keys/rollback", body: ["version": 1], plane: .governance),
        Route(method: .put, path: "/v1/tenants/acme/keys/min-decryption-version", body: ["version": 1], plane: .governance),
        Route(method: .post, path: "/v1/tenants/acme/services", body: ["id": "s-{role}"], plane: .governance),
        Route(method: .get, path: "/v1/tenants/acme/services", body: nil, plane: .governance),
        Route(method: .get, path: "/v1/tenants/acme/services/payments", body: nil, plane: .governance),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/rotate", body: nil, plane: .governance),
        Route(method: .post, path: "/v1/tenants/acme/services/old/deactivate", body: nil, plane: .governance),
        Route(method: .delete, path: "/v1/tenants/acme/services/gone-{role}", body: nil, plane: .governance),
        Route(method: .delete, path: "/v1/tenants/gone-{role}/l1", body: nil, plane: .governance),
        Route(method: .post, path: "/v1/tenants/acme/l1/rewrap", body: nil, plane: .governance),
        Route(method: .post, path: "/v1/keystores/software/import", body: ["key": "imported-{role}", "material": Data(count: 32).base64EncodedString()],
              plane: .governance),
        Route(method: .delete, path: "/v1/tenants/gone-{role}", body: nil, plane: .governance),
        Route(method: .post, path: "/v1/identities", body: ["name": "n", "role": "auditor"], plane: .identities),
        Route(method: .get, path: "/v1/identities", body: nil, plane: .identities),
        Route(method: .delete, path: "/v1/identities/nobody", body: nil, plane: .identities),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/datakey", body: [:], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/wrap", body: ["plaintext": Data(count: 32).base64EncodedString()], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/unwrap", body: ["wrapped": "{wrapped}"], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/rewrap", body: ["wrapped": "{wrapped}"], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/datakey/batch", body: ["items": [[:]]], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/unwrap/batch", body: ["items": [["wrapped": "{wrapped}"]]], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/revoke", body: ["wrapped": "{wrapped}"], plane: .execution),
        Route(method: .post, path: "/v1/tenants/acme/services/payments/subjects/destroy", body: ["subject": "s-{role}"], plane: .execution),
        Route(method: .get, path: "/v1/audit", body: nil, plane: .audit),
        Route(method: .post, path: "/v1/audit/verify", body: nil, plane: .audit),
        Route(method: .get, path: "/v1/sys/backup", body: nil, plane: .operator),
        Route(method: .post, path: "/v1/sys/backup/verify", body: [:], plane: .operator),
        Route(method: .post, path: "/v1/sys/seal", body: nil, plane: .operator),
    ]

    static func substitute(_ value: Any, role: String, wrapped: String) -> Any {
        switch value {
        case let text as String: text.replacingOccurrences(of: "{role}", with: role).replacingOccurrences(of: "{wrapped}", with: wrapped)
        case let dictionary as [String: Any]: dictionary.mapValues { substitute($0, role: role, wrapped: wrapped) }
        case let array as [Any]: array.map { substitute($0, role: role, wrapped: wrapped) }
        default: value
        }
    }

    @Test func everyRoleAgainstEveryRoute() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let unsealed = try core.unsealed()
        let acme = try TenantID("acme")
        try await unsealed.keyChain.createTenant(acme, l1: harness.l1.reference)
        for name in ["payments", "old"] { try await unsealed.keyChain.createService(try ServiceID(name), tenant: acme) }
        var tokens: [(String, String?)] = []
        for role in Role.allCases {
            let scoped = role == .crypto
            let token = try await unsealed.identities.create(
                name: role.rawValue, role: role, tenant: scoped ? acme : nil, service: scoped ? try ServiceID("payments") : nil,
                region: role == .core ? try RegionID("eu-central") : nil).token
            tokens.append((role.rawValue, token))
            try await unsealed.keyChain.createTenant(try TenantID("gone-\(role.rawValue)"), l1: harness.l1.reference)
            try await unsealed.keyChain.createService(try ServiceID("gone-\(role.rawValue)"), tenant: acme)
        }
        let revoked = try await unsealed.identities.create(name: "revoked", role: .root)
        try await unsealed.identities.revoke(revoked.identity.id)
        tokens.append(("revoked", revoked.token))
        tokens.append(("anonymous", nil))
        tokens.append(("garbage", "okcm.not.valid"))
        let wrapped = try await unsealed.keyChain.generateDataKey(tenant: acme, service: try ServiceID("payments")).wrapped.base64EncodedString()
        // Root's seal goes last: it ends the matrix.
        tokens.sort { ($0.0 == "root" ? 1 : 0) < ($1.0 == "root" ? 1 : 0) }
        let callers = tokens

        try await harness.application(core).test(.router) { client async throws in
            var refusals = 0
            var checked = 0
            for (role, token) in callers {
                for route in Self.routes {
                    let path = (Self.substitute(route.path, role: role, wrapped: wrapped) as? String) ?? route.path
                    let answer = try await client.call(
                        route.method, path, token: token, json: route.body.map { Self.substitute($0, role: role, wrapped: wrapped) })
                    checked += 1
                    let allowed = Role(rawValue: role).map { AccessPolicy.planes(of: $0).contains(route.plane) } ?? false
                    if allowed {
                        #expect(![401, 403].contains(answer.status), "\(role) \(route.method) \(path) -> \(answer.status) \(answer.json)")
                        #expect(answer.status < 500, "\(role) \(route.method) \(path) -> \(answer.status) \(answer.json)")
                    } else {
                        let expected = Role(rawValue: role) == nil ? 401 : 403
                        #expect(answer.status == expected, "\(role) \(route.method) \(path) -> \(answer.status) \(answer.json)")
                        #expect(answer.contentType == "application/problem+json")
                        refusals += 1
                    }
                }
            }
            #expect(checked == callers.count * Self.routes.count)
            // Every refusal is in the audit log (the server is sealed now; read the file).
            let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath))))
                .map { try AuditLogFormat.entry($0) }
            let audited = entries.filter { $0.outcome == .refused && ["access.forbidden", "access.unauthenticated", "access.out_of_scope"].contains($0.errorCode ?? "") }
            // Anonymous refusals beyond the limiter's burst are in the chain as a counted summary: how many depends on
            // how fast this test ran, so the summaries' counts are added (the chain accounts for every refusal either way).
            let summarized = entries.filter { $0.operation == "audit.anonymous_refusals" }.reduce(0) { $0 + Int($1.count ?? 0) }
            #expect(audited.count + summarized == refusals, "\(audited.count) audited refusals and \(summarized) counted for \(refusals) refused requests")
            #expect(AuditVerifier(masterKey: unsealed.masterKey).verify(entries).isIntact)
        }
    }

    /// Governance identities scoped to one tenant against every governance
    /// route, for their own tenant and for the other one, 30 rounds: every
    /// cross-tenant attempt (destroying the other tenant and unlinking its L1
    /// among them) is 403 and audited, no platform-wide route is open to
    /// them, and their own tenant's routes are.
    @Test func scopedGovernanceReachesOnlyItsOwnTenant() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        _ = try await core.initializeShamir(shares: 2, threshold: 2)
        let unsealed = try core.unsealed()
        let tenants = [try TenantID("acme"), try TenantID("globex")]
        var identities: [(tenant: TenantID, id: String, token: String)] = []
        for tenant in tenants {
            try await unsealed.keyChain.createTenant(tenant, l1: harness.l1.reference)
            for name in ["payments", "old"] { try await unsealed.keyChain.createService(try ServiceID(name), tenant: tenant) }
            let created = try await unsealed.identities.create(name: "gov-\(tenant.rawValue)", role: .governance, tenant: tenant)
            identities.append((tenant, created.identity.id, created.token))
        }
        let scoped = identities
        let governanceRoutes = Self.routes.filter { $0.plane == .governance }
        let platformWide = ["POST /v1/tenants", "GET /v1/tenants", "POST /v1/keystores/software/import"]
        try await harness.application(core).test(.router) { client async throws in
            var crossAttempts = 0
            var crossSuccesses = 0
            var refused = 0
            for round in 0..<30 {
                for identity in scoped {
                    let other = tenants.first { $0 != identity.tenant }!.rawValue
                    for route in governanceRoutes {
                        // The other tenant's: every route aimed at it, its destruction included.
                        let crossPath = route.path.replacingOccurrences(of: "acme", with: other).replacingOccurrences(of: "gone-{role}", with: other)
                        let cross = try await client.call(route.method, crossPath, token: identity.token,
                                                          json: route.body.map { Self.substitute($0, role: "r\(round)", wrapped: "") })
                        crossAttempts += 1
                        if cross.status < 300 { crossSuccesses += 1 }
                        #expect(cross.status == 403, "\(identity.tenant) \(route.method) \(crossPath) -> \(cross.status) \(cross.json)")
                        if cross.status == 403 { refused += 1 }
                        // Its own: open, but for what is platform-wide; destructive routes are left out here (they would end the rounds).
                        guard round == 0, !route.path.contains("gone-{role}") else { continue }
                        let ownPath = route.path.replacingOccurrences(of: "acme", with: identity.tenant.rawValue)
                        let own = try await client.call(route.method, ownPath, token: identity.token,
                                                        json: route.body.map { Self.substitute($0, role: "own-\(identity.tenant.rawValue)", wrapped: "") })
                        if platformWide.contains("\(route.method) \(route.path)") {
                            #expect(own.status == 403, "\(identity.tenant) \(route.method) \(ownPath) -> \(own.status)")
                            if own.status == 403 { refused += 1 }
                        } else {
                            #expect(![401, 403].contains(own.status) && own.status < 500, "\(identity.tenant) \(route.method) \(ownPath) -> \(own.status) \(own.json)")
                        }
                    }
                }
            }
            #expect(crossAttempts >= 1_000)
            #expect(crossSuccesses == 0, "\(crossSuccesses) cross-tenant successes in \(crossAttempts) attempts")
            print("scoped governance: \(crossAttempts) cross-tenant attempts, \(crossSuccesses) successes")
            let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath))))
                .map { try AuditLogFormat.entry($0) }
            let audited = entries.filter { entry in scoped.contains { $0.id == entry.identity } && entry.errorCode == "access.out_of_scope" }
            #expect(audited.count == refused, "\(audited.count) audited out-of-scope refusals for \(refused) refused requests")
        }
        // Both tenants are still there.
        for tenant in tenants { #expect(try await unsealed.keyChain.services(of: tenant).contains(try ServiceID("payments"))) }
    }
}
