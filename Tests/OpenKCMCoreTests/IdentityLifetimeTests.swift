import Foundation
import OpenKCMCore
import OpenKCMTestSupport
import Synchronization
import Testing

/// Tokens that end, with a clock the test holds: an identity made with a
/// lifetime stops working when it is over (its token and its certificate
/// alike), renews before then by its own lifetime, and not after; one made
/// without a lifetime never expires and has nothing to renew.
@Suite struct IdentityLifetimeTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static func directory(_ clock: Clock) -> IdentityDirectory {
        let storage = SealedStorage(backend: InMemoryStorage())
        let masterKey = MasterKey.generate()
        storage.unseal(with: masterKey)
        // No cache between steps: each authentication reads the record, as a later request would.
        return IdentityDirectory(storage: storage, masterKey: masterKey, cacheLifetime: .zero, clock: { clock.now.withLock { $0 } })
    }

    @Test func aTokenWorksForItsLifetimeAndRenewsBeforeItEnds() async throws {
        let clock = Clock()
        let directory = Self.directory(clock)
        let (identity, token) = try await directory.create(name: "ops", role: .governance, lifetime: .seconds(86_400))
        #expect(identity.expiresAt == clock.now.withLock { $0 }.addingTimeInterval(86_400))
        clock.advance(86_399)
        #expect(try await directory.authenticate(token).id == identity.id)
        let renewed = try await directory.renew(identity.id)
        #expect(renewed.expiresAt == clock.now.withLock { $0 }.addingTimeInterval(86_400), "a day from now, not from before")
        clock.advance(86_399)
        #expect(try await directory.authenticate(token).id == identity.id)
        clock.advance(1)
        await #expect(throws: AccessError.expired) { _ = try await directory.authenticate(token) }
        await #expect(throws: AccessError.expired) { _ = try await directory.renew(identity.id) }
    }

    @Test func aCertificateRegistrationEndsWithItsIdentity() async throws {
        let clock = Clock()
        let directory = Self.directory(clock)
        let fingerprint = String(repeating: "ab", count: 32)
        _ = try await directory.create(name: "kmip", role: .crypto, tenant: tenant("acme"), service: service("payments"),
                                       certificateFingerprint: fingerprint, lifetime: .seconds(3600))
        #expect(try await directory.authenticate(certificateFingerprint: fingerprint).name == "kmip")
        clock.advance(3600)
        await #expect(throws: AccessError.expired) { _ = try await directory.authenticate(certificateFingerprint: fingerprint) }
    }

    @Test func withoutALifetimeATokenNeverEndsAndHasNothingToRenew() async throws {
        let clock = Clock()
        let directory = Self.directory(clock)
        let (identity, token) = try await directory.create(name: "app", role: .crypto, tenant: tenant("acme"), service: service("payments"))
        #expect(identity.expiresAt == nil)
        clock.advance(10 * 365 * 86_400)
        #expect(try await directory.authenticate(token).id == identity.id)
        await #expect(throws: AccessError.notRenewable) { _ = try await directory.renew(identity.id) }
        // A revoked identity renews nothing.
        let (ops, _) = try await directory.create(name: "ops", role: .auditor, lifetime: .seconds(600))
        try await directory.revoke(ops.id)
        await #expect(throws: AccessError.unauthenticated) { _ = try await directory.renew(ops.id) }
        await #expect(throws: AccessError.self) { _ = try await directory.create(name: "x", role: .auditor, lifetime: .seconds(10)) }
    }

    /// An id is a command-line argument: one starting with "-" was read as an option by `openkcm identity revoke`
    /// (the StoreRollbackBinaryTests flake, 1 run in 64). 640 ids: a missed redraw would show with probability 1 - 4e-5.
    @Test func noIdStartsWithADash() async throws {
        let directory = Self.directory(Clock())
        for index in 0..<640 {
            let (identity, _) = try await directory.create(name: "app-\(index)", role: .auditor)
            #expect(!identity.id.hasPrefix("-"), "\(identity.id)")
        }
    }
}
