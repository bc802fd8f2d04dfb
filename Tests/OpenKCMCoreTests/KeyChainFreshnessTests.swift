import Crypto
import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// Replicas on one store: what one node changes holds on the others at the
/// store's announcement, or within the freshness bound without one, and a
/// node that cannot ask the store refuses instead of serving from memory
/// (issue 18, point 2). Latency is measured on real nodes in the serial phase
/// (ReplicaFreshnessBinaryTests); these check behaviour.
@Suite struct KeyChainFreshnessTests {
    let acme = tenant("acme")
    let payments = service("payments")

    /// A store with acme and payments, and two nodes on it that trust memory for an hour unless told.
    private func twoNodes() async throws -> (KeyChainFixture, Replica, Replica) {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        return (fixture, fixture.replica(), fixture.replica())
    }

    @Test func anUnlinkOnOneNodeLocksTheOtherAtTheAnnouncementAndARelinkLiftsIt() async throws {
        let (fixture, a, b) = try await twoNodes()
        let made = try await b.chain.generateDataKey(tenant: acme, service: payments)
        try await a.chain.unlinkL1(acme)
        b.announce(acme)
        await #expect(throws: KeyChainError.tenantLocked(acme, reason: KeyChain.unlinkedReason)) {
            try await b.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments)
        }
        #expect(!b.chain.isUnsealed(acme))
        try await a.chain.linkL1(acme, to: fixture.l1.reference)
        b.announce(acme)
        #expect(try await b.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments) == made.key)
    }

    @Test func withoutAnAnnouncementTheBoundStillApplies() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        let b = fixture.replica(bound: .milliseconds(100))
        let made = try await b.chain.generateDataKey(tenant: acme, service: payments)
        try await fixture.chain.unlinkL1(acme)
        let (acme, payments) = (acme, payments)
        let refused = try await Eventually.holds {
            do {
                _ = try await b.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments)
                return false
            } catch KeyChainError.tenantLocked { return true }
        }
        #expect(refused)
    }

    @Test func aRotationOnOneNodeIsWhatTheOtherWrapsUnder() async throws {
        let (_, a, b) = try await twoNodes()
        _ = try await b.chain.generateDataKey(tenant: acme, service: payments)
        #expect(try await a.chain.rotateServiceKey(payments, tenant: acme) == 2)
        b.announce(acme)
        let made = try await b.chain.generateDataKey(tenant: acme, service: payments)
        #expect(made.serviceKeyVersion == 2)
        #expect(try await a.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments) == made.key)
        // The tenant's L2.1 too: B's next L3 is wrapped under A's new L2.1 version.
        #expect(try await a.chain.rotateTenantKey(acme) == 2)
        b.announce(acme)
        try await b.chain.rotateServiceKey(payments, tenant: acme)
        #expect(try await a.chain.serviceKeyRing(payments, tenant: acme).serviceKeys.version(3)?.parentVersion == 2)
    }

    @Test func aMinimumVersionOrADestructionOnOneNodeIsRefusedOnTheOther() async throws {
        let (_, a, b) = try await twoNodes()
        let old = try await b.chain.generateDataKey(tenant: acme, service: payments)
        try await a.chain.rotateServiceKey(payments, tenant: acme)
        try await a.chain.setServiceMinimumDecryptionVersion(payments, tenant: acme, 2)
        b.announce(acme)
        await #expect(throws: KeyChainError.self) { try await b.chain.unwrapDataKey(old.wrapped, tenant: acme, service: payments) }
        let current = try await b.chain.generateDataKey(tenant: acme, service: payments)
        try await a.chain.destroyService(payments, tenant: acme)
        b.announce(acme)
        await #expect(throws: KeyChainError.serviceNotFound(acme, payments)) {
            try await b.chain.unwrapDataKey(current.wrapped, tenant: acme, service: payments)
        }
        try await a.chain.destroyTenant(acme)
        b.announce(acme)
        await #expect(throws: KeyChainError.tenantNotFound(acme)) { try await b.chain.generateDataKey(tenant: acme, service: payments) }
        #expect(!b.chain.isUnsealed(acme))
    }

    @Test func aSubjectDestroyedOnOneNodeIsRefusedOnTheOther() async throws {
        let (_, a, b) = try await twoNodes()
        let alice = try SubjectID("alice@example.com")
        let made = try await b.chain.generateDataKey(tenant: acme, service: payments, subject: alice)
        try await a.chain.destroySubject(alice, tenant: acme, service: payments)
        b.announce(acme)
        await #expect(throws: KeyChainError.subjectDestroyed(digest: alice.digest)) {
            try await b.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice)
        }
    }

    /// Each node's block of reserved wraps survives the other's reservation:
    /// nodes wrapping the same service do not take turns rewriting its record.
    @Test func anotherNodesReservationLeavesThisNodesLeaseAlone() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        let limits = NonceLimits(wrapsPerVersion: 1 << 31, wrapsPerLease: 10)
        let a = fixture.replica(nonceLimits: limits)
        let b = fixture.replica(nonceLimits: limits)
        for _ in 0..<5 {
            _ = try await a.chain.generateDataKey(tenant: acme, service: payments)
            b.announce(acme)
            _ = try await b.chain.generateDataKey(tenant: acme, service: payments)
            a.announce(acme)
        }
        // Five wraps each, within one lease each: two reservations in all.
        let ring = try await fixture.restarted().serviceKeyRing(payments, tenant: acme)
        #expect(ring.serviceKeys.version(1)?.reservedWraps == 20)
    }

    @Test func aNodeThatCannotReachTheStoreRefusesAndRecoversWhenItIsBack() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        let connection = CuttableStorage(fixture.storage)
        let b = fixture.replica(bound: .milliseconds(100), backend: connection)
        let made = try await b.chain.generateDataKey(tenant: acme, service: payments)
        let (acme, payments) = (acme, payments)
        for cut in [CuttableStorage.Cut.failing, .hanging] {
            connection.cut(cut)
            let refused = try await Eventually.holds {
                do {
                    _ = try await b.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments)
                    return false
                } catch KeyChainError.stateUnconfirmed(acme, _) { return true }
            }
            #expect(refused, "\(cut)")
            // Its keys stay in memory, unserved: back at once when the store answers, with no L1 call.
            #expect(b.chain.isUnsealed(acme))
            // (The L1 refuses meanwhile: an answer proves the L2 was not unwrapped again.)
            fixture.l1.setStatus(.disabled(reason: "test"))
            connection.restore()
            let back = try await Eventually.value { try? await b.chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments) }
            #expect(back == made.key)
            fixture.l1.setStatus(.enabled)
        }
    }
}
