import Foundation
import OpenKCMCore
import OpenKCMTestSupport
import Testing

/// A pending request's rules, with a clock the test holds: approvals from
/// distinct identities other than the one who asked, until it expires.
@Suite struct PendingApprovalTests {
    static let asked = Date(timeIntervalSince1970: 1_800_000_000)

    static func request(required: Int) async throws -> PendingApproval {
        let initiator = try await identity("alice")
        return PendingApproval(id: "0123456789abcdef01234567", action: .destroyTenant(tenant("acme")), initiator: initiator,
                               correlationID: "c", required: required, createdAt: asked, lifetime: .seconds(3600))
    }

    static func identity(_ name: String) async throws -> Identity {
        let (directory, _, _) = AccessTests.directory()
        return try await directory.create(name: name, role: .governance).identity
    }

    @Test func theRequestRunsOnlyWithEnoughDistinctApprovers() async throws {
        var approval = try await Self.request(required: 3)
        let initiator = approval.initiator.id
        #expect(throws: ApprovalError.ownRequest) { try approval.approve(by: initiator, at: Self.asked) }
        #expect(try approval.approve(by: "bob", at: Self.asked.addingTimeInterval(10)) == false, "two of three")
        #expect(throws: ApprovalError.alreadyApproved) { try approval.approve(by: "bob", at: Self.asked.addingTimeInterval(20)) }
        #expect(try approval.approve(by: "carol", at: Self.asked.addingTimeInterval(30)) == true, "three of three: it runs")
        approval.finish(failure: nil)
        #expect(approval.state == .executed && approval.approvers == ["bob", "carol"])
        #expect(throws: ApprovalError.notPending(.executed)) { try approval.approve(by: "dave", at: Self.asked.addingTimeInterval(40)) }
    }

    @Test func anExpiredRequestTakesNoApproval() async throws {
        var approval = try await Self.request(required: 2)
        #expect(approval.at(Self.asked.addingTimeInterval(3599)).state == .pending)
        #expect(approval.at(Self.asked.addingTimeInterval(3600)).state == .expired)
        #expect(throws: ApprovalError.expired) { try approval.approve(by: "bob", at: Self.asked.addingTimeInterval(3600)) }
        #expect(approval.state == .expired && approval.approvers.isEmpty)
        #expect(throws: ApprovalError.expired) { try approval.reject(at: Self.asked.addingTimeInterval(7200)) }
    }

    @Test func aRejectedRequestIsOver() async throws {
        var approval = try await Self.request(required: 2)
        try approval.reject(at: Self.asked.addingTimeInterval(5))
        #expect(throws: ApprovalError.notPending(.rejected)) { try approval.approve(by: "bob", at: Self.asked.addingTimeInterval(6)) }
    }

    @Test func theRequestKeepsNoTokenHash() async throws {
        let approval = try await Self.request(required: 2)
        let encoded = String(decoding: try JSONEncoder().encode(approval), as: UTF8.self)
        #expect(encoded.contains("\"tokenHash\":\"\""), "\(encoded.prefix(300))")
        #expect(ApprovalPolicy(required: 2).requiresApproval(.tenantDestroy) && !ApprovalPolicy().requiresApproval(.tenantDestroy))
        #expect(!ApprovalPolicy(required: 2).requiresApproval(.tenantCreate))
    }

    @Test func aTenantsOwnPolicyOnlyAsksForMore() throws {
        let (acme, globex) = (try TenantID("acme"), try TenantID("globex"))
        let strict = ApprovalPolicy(required: 1, tenants: [acme: 3])
        #expect(strict.requiresApproval(.tenantDestroy, tenant: acme) && strict.required(for: acme) == 3)
        #expect(!strict.requiresApproval(.tenantDestroy, tenant: globex) && !strict.requiresApproval(.seal))
        let platform = ApprovalPolicy(required: 2, tenants: [acme: 1])
        #expect(platform.required(for: acme) == 2 && platform.requiresApproval(.l1Unlink, tenant: acme))
    }
}
