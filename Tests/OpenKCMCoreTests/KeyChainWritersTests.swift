import Crypto
import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// Two key chains on one store, as two replicas on one database: every change
/// to a tenant's records is a store transaction conditioned on what it read,
/// so changes made at once on both lose nothing (issue 18: "two nodes rotating
/// the same tenant at once -> no version lost").
@Suite struct KeyChainWritersTests {
    let acme = tenant("acme")
    let payments = service("payments")

    @Test func twoNodesRotatingOneTenantAndServiceAtOnceLoseNoVersion() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        let nodes = [fixture.chain, fixture.restarted()]
        let (acme, payments) = (acme, payments)
        let numbers = try await withThrowingTaskGroup(of: (UInt32, UInt32).self) { group in
            for node in nodes {
                for _ in 0..<10 {
                    group.addTask {
                        (try await node.rotateTenantKey(acme), try await node.rotateServiceKey(payments, tenant: acme))
                    }
                }
            }
            return try await group.reduce(into: [(UInt32, UInt32)]()) { $0.append($1) }
        }
        // Twenty rotations of each, on two nodes: twenty distinct new versions, all stored.
        #expect(Set(numbers.map(\.0)) == Set(2...21) && Set(numbers.map(\.1)) == Set(2...21), "\(numbers)")
        let reader = fixture.restarted()
        #expect(try await reader.readTenant(acme).tenantKeys.versions.map(\.version) == Array(1...21))
        #expect(try await reader.readService(acme, payments).serviceKeys.versions.map(\.version) == Array(1...21))
        // Every node still wraps and unwraps across them.
        let made = try await nodes[0].generateDataKey(tenant: acme, service: payments)
        #expect(try await reader.unwrapDataKey(made.wrapped, tenant: acme, service: payments) == made.key)
    }

    @Test func twoNodesCreatingOneTenantAtOnceMakeOne() async throws {
        let fixture = KeyChainFixture()
        let nodes = [fixture.chain, fixture.restarted()]
        let (acme, l1) = (acme, fixture.l1.reference)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for node in nodes {
                group.addTask {
                    do {
                        try await node.createTenant(acme, l1: l1)
                        return true
                    } catch KeyChainError.tenantAlreadyExists { return false } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "\(outcomes)")
        // The one that lost reads the winner's tenant: both nodes serve it.
        for node in nodes { try await node.createService(service("s\(nodes.firstIndex { $0 === node }!)"), tenant: acme) }
        #expect(try await fixture.restarted().readTenant(acme).tenantKeys.versions.count == 1)
    }

    /// Two nodes naming their first subject at once make one name key between them.
    @Test func twoNodesNamingTheirFirstSubjectAtOnceShareOneKey() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        let (acme, payments) = (acme, payments)
        let subject = try SubjectID("alice@example.com")
        for _ in 0..<5 {
            let fresh = KeyChainFixture()
            let nodes = [fresh.chain, fresh.restarted()]
            async let first = nodes[0].subjectName(subject, tenant: acme, service: payments)
            async let second = nodes[1].subjectName(subject, tenant: acme, service: payments)
            let names = try await [first, second]
            #expect(names[0] == names[1])
            #expect(try await fresh.restarted().subjectName(subject, tenant: acme, service: payments) == names[0])
        }
    }
}
