import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

/// Subject-bound data keys (layer 0x41) and crypto-shredding a subject.
@Suite struct SubjectShreddingTests {
    let acme = tenant("acme")
    let payments = service("payments")

    func subject(_ id: String) throws -> SubjectID { try SubjectID(id) }

    func fixture() async throws -> KeyChainFixture {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        return fixture
    }

    @Test func subjectIDsAreCheckedAndKnownByTheirDigest() throws {
        let alice = try subject("alice@example.com")
        #expect(alice.digest == Array(SHA256.hash(data: Array("alice@example.com".utf8))).map { String(format: "%02x", $0) }.joined())
        #expect(!alice.description.contains("alice"))
        _ = try subject("Zoë Ñandú 用户 42")
        _ = try subject(String(repeating: "a", count: 256))
        for bad in ["", String(repeating: "a", count: 257), "tab\there", "line\nbreak", "nul\u{0}", "del\u{7F}", "c1\u{85}",
                    // One person, one spelling: a decomposed "Zoë" and invisible characters would be other subjects.
                    "Zoe\u{0308}", "a\u{200B}b", "\u{FEFF}alice", "a\u{202E}b"] {
            #expect(throws: KeyChainError.self) { try SubjectID(bad) }
        }
    }

    /// The store and the audit log call a subject by a keyed name: stable for
    /// the store (across restarts), different per tenant and service and per
    /// store, and never the plain digest a guessed id could be checked against.
    @Test func subjectsAreNamedByAKeyedHMACThatTheStoreKeeps() async throws {
        let fixture = try await fixture()
        let alice = try subject("alice@example.com")
        let name = try await fixture.chain.subjectName(alice, tenant: acme, service: payments)
        #expect(name.count == 64 && name != alice.digest)
        let key = try #require(try await fixture.barrier.get("core/subject-name-key"))
        #expect(key.count == 32)
        #expect(name == SubjectKeys.name(alice, tenant: acme, service: payments, key: SymmetricKey(data: key)))
        #expect(try await fixture.restarted().subjectName(alice, tenant: acme, service: payments) == name)
        #expect(try await fixture.chain.subjectName(alice, tenant: acme, service: service("billing")) != name)
        #expect(try await fixture.chain.subjectName(alice, tenant: tenant("globex"), service: payments) != name)
        #expect(try await fixture.chain.subjectName(try subject("alice@example.co"), tenant: acme, service: payments) != name)
        let elsewhere = try await self.fixture()
        #expect(try await elsewhere.chain.subjectName(alice, tenant: acme, service: payments) != name)
        // Sealed, there is no name to give.
        fixture.barrier.seal()
        fixture.chain.evictAll()
        await #expect(throws: BarrierError.sealed) { try await fixture.chain.subjectName(alice, tenant: acme, service: payments) }
    }

    @Test func aSubjectBoundKeyOpensOnlyWithItsSubjectAndContext() async throws {
        let chain = try await fixture().chain
        let alice = try subject("alice")
        let bob = try subject("bob")
        let context = try EncryptionContext(["table": "orders"])
        let made = try await chain.generateDataKey(tenant: acme, service: payments, context: context, subject: alice)
        #expect(try WrappedKey(parsing: made.wrapped).header.layer == .l4Subject)
        #expect(made.wrapped.count == 85)
        let opened = try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, context: context, subject: alice)
        #expect(opened == made.key)

        await #expect(throws: KeyChainError.subjectRequired) {
            try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, context: context)
        }
        // Bob has no secret yet: nothing is made for him on an unwrap.
        await #expect(throws: KeyChainError.subjectMismatch(digest: bob.digest)) {
            try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, context: context, subject: bob)
        }
        _ = try await chain.generateDataKey(tenant: acme, service: payments, subject: bob)
        await #expect(throws: KeyChainError.subjectMismatch(digest: bob.digest)) {
            try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, context: context, subject: bob)
        }
        await #expect(throws: KeyChainError.subjectMismatch(digest: alice.digest)) {
            try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, context: .empty, subject: alice)
        }
        let plain = try await chain.generateDataKey(tenant: acme, service: payments, context: context)
        await #expect(throws: KeyChainError.notSubjectBound) {
            try await chain.unwrapDataKey(plain.wrapped, tenant: acme, service: payments, context: context, subject: alice)
        }
        // Edge-made keys and rewraps keep the subject.
        let edgeKey = SymmetricKey(size: .bits256)
        let wrapped = try await chain.wrapDataKey(edgeKey, tenant: acme, service: payments, context: context, subject: alice)
        try await chain.rotateServiceKey(payments, tenant: acme)
        let rewrapped = try await chain.rewrapDataKey(wrapped, tenant: acme, service: payments, context: context, subject: alice)
        let header = try WrappedKey(parsing: rewrapped).header
        #expect(header.layer == .l4Subject && header.keyVersion == 2)
        #expect(try await chain.unwrapDataKey(rewrapped, tenant: acme, service: payments, context: context, subject: alice) == edgeKey)
    }

    @Test func destroyingASubjectShredsEveryCopyAndKeepsATombstone() async throws {
        let fixture = try await fixture()
        let chain = fixture.chain
        let alice = try subject("alice")
        let bob = try subject("bob")
        let events = chain.events()
        var aliceBlobs: [Data] = []
        var bobBlobs: [(Data, SymmetricKey)] = []
        for _ in 0..<5 {
            aliceBlobs.append(try await chain.generateDataKey(tenant: acme, service: payments, subject: alice).wrapped)
            let made = try await chain.generateDataKey(tenant: acme, service: payments, subject: bob)
            bobBlobs.append((made.wrapped, made.key))
        }
        let aliceName = try await chain.subjectName(alice, tenant: acme, service: payments)
        let secretPath = SubjectKeys.secretKey(acme, payments, name: aliceName)
        #expect(try await fixture.barrier.get(secretPath)?.count == 32)

        try await chain.destroySubject(alice, tenant: acme, service: payments)

        #expect(try await fixture.barrier.get(secretPath) == nil)
        #expect(try await fixture.barrier.get(SubjectKeys.tombstoneKey(acme, payments, name: aliceName)) != nil)
        // The store's keys hold the keyed name: neither the subject nor its plain digest, which a guess could confirm.
        let keys = try await fixture.storage.list(prefix: "subjects/") + fixture.storage.list(prefix: "subject-tombstones/")
        #expect(keys.count == 2)
        #expect(keys.allSatisfy { !$0.contains("alice") && !$0.contains("bob") && !$0.contains(alice.digest) && !$0.contains(bob.digest) })
        #expect(keys.contains { $0.hasSuffix(aliceName) })
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .subjectDestroyed(acme, payments, digest: alice.digest))

        // The running chain, then a process started after it (one writer at a time: replicas sharing a store are issue 18).
        for restart in [false, true] {
            let target = restart ? fixture.restarted() : chain
            for blob in aliceBlobs {
                await #expect(throws: KeyChainError.subjectDestroyed(digest: alice.digest)) {
                    try await target.unwrapDataKey(blob, tenant: acme, service: payments, subject: alice)
                }
            }
            // No fresh secret for a destroyed subject.
            await #expect(throws: KeyChainError.subjectDestroyed(digest: alice.digest)) {
                try await target.generateDataKey(tenant: acme, service: payments, subject: alice)
            }
            await #expect(throws: KeyChainError.subjectDestroyed(digest: alice.digest)) {
                try await target.wrapDataKey(SymmetricKey(size: .bits256), tenant: acme, service: payments, subject: alice)
            }
            for (blob, key) in bobBlobs {
                #expect(try await target.unwrapDataKey(blob, tenant: acme, service: payments, subject: bob) == key)
            }
        }
        // The process started last is the one writer from here on.
        let after = fixture.restarted()
        #expect(try await after.isSubjectDestroyed(alice, tenant: acme, service: payments))
        // Destroying again, or a subject never used, leaves a tombstone all the same.
        try await after.destroySubject(alice, tenant: acme, service: payments)
        let never = try subject("never-seen")
        try await after.destroySubject(never, tenant: acme, service: payments)
        await #expect(throws: KeyChainError.subjectDestroyed(digest: never.digest)) {
            try await after.generateDataKey(tenant: acme, service: payments, subject: never)
        }
        await #expect(throws: KeyChainError.serviceNotFound(acme, service("nope"))) {
            try await after.destroySubject(alice, tenant: acme, service: service("nope"))
        }
    }

    /// A process started after the destruction reads it from the store. (Replicas serving one store at
    /// the same time, each learning of the other's writes, come with issue 18: until then the barrier
    /// trusts only its own writes, and a second writer's changes read as tampering, as they should.)
    @Test func aProcessStartedLaterLearnsOfADestructionFromTheStore() async throws {
        let fixture = KeyChainFixture()
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(payments, tenant: acme)
        let alice = try subject("alice")
        let made = try await fixture.chain.generateDataKey(tenant: acme, service: payments, subject: alice)
        #expect(try await fixture.restarted().unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice) == made.key)
        try await fixture.chain.destroySubject(alice, tenant: acme, service: payments)
        await #expect(throws: KeyChainError.subjectDestroyed(digest: alice.digest)) {
            try await fixture.restarted().unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice)
        }
    }

    @Test func concurrentFirstUsesMakeOneSecret() async throws {
        let fixture = try await fixture()
        let chain = fixture.chain
        let carol = try subject("carol")
        let made = try await withThrowingTaskGroup(of: DataKey.self) { group in
            for _ in 0..<32 {
                group.addTask { try await chain.generateDataKey(tenant: self.acme, service: self.payments, subject: carol) }
            }
            return try await group.reduce(into: [DataKey]()) { $0.append($1) }
        }
        // From a fresh memory, every key opens under the one stored secret.
        let restarted = fixture.restarted()
        for key in made {
            #expect(try await restarted.unwrapDataKey(key.wrapped, tenant: acme, service: payments, subject: carol) == key.key)
        }
    }

    @Test func aLockAnEvictionOrASealDropsSubjectSecrets() async throws {
        let fixture = try await fixture()
        let chain = fixture.chain
        let alice = try subject("alice")
        let bob = try subject("bob")
        let made = try await chain.generateDataKey(tenant: acme, service: payments, subject: alice)
        _ = try await chain.generateDataKey(tenant: acme, service: payments, subject: bob)
        #expect(chain.heldSubjectSecretCount(acme) == 2)

        chain.lockTenant(acme, reason: "test")
        #expect(chain.heldSubjectSecretCount(acme) == 0)
        await #expect(throws: KeyChainError.tenantLocked(acme, reason: "test")) {
            try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice)
        }
        chain.unlockTenant(acme)
        #expect(try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice) == made.key)
        #expect(chain.heldSubjectSecretCount(acme) == 1)

        chain.evictTenant(acme)
        #expect(chain.heldSubjectSecretCount(acme) == 0)
        _ = try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice)
        #expect(chain.heldSubjectSecretCount(acme) == 1)

        // What the server does when it seals: the barrier closes, and memory lets go.
        fixture.barrier.seal()
        chain.evictAll()
        #expect(chain.heldSubjectSecretCount(acme) == 0)
        await #expect(throws: BarrierError.sealed) {
            try await chain.unwrapDataKey(made.wrapped, tenant: acme, service: payments, subject: alice)
        }
    }

    @Test func destroyingATenantOrServiceTakesItsSubjectRecords() async throws {
        let fixture = try await fixture()
        let chain = fixture.chain
        let other = service("other")
        try await chain.createService(other, tenant: acme)
        let alice = try subject("alice")
        _ = try await chain.generateDataKey(tenant: acme, service: payments, subject: alice)
        _ = try await chain.generateDataKey(tenant: acme, service: other, subject: alice)
        try await chain.destroySubject(try subject("gone"), tenant: acme, service: other)
        try await chain.destroyService(other, tenant: acme)
        #expect(try await fixture.storage.list(prefix: "subjects/acme/other/").isEmpty)
        #expect(try await fixture.storage.list(prefix: "subject-tombstones/acme/other/").isEmpty)
        #expect(try await fixture.storage.list(prefix: "subjects/acme/payments/").count == 1)
        try await chain.destroyTenant(acme)
        #expect(try await fixture.storage.list(prefix: "subjects/").isEmpty)
    }

    @Test func onlyAServicesOwnDataKeysPassTheRevocationCheck() async throws {
        let fixture = try await fixture()
        let chain = fixture.chain
        let other = service("other")
        try await chain.createService(other, tenant: acme)
        let own = try await chain.generateDataKey(tenant: acme, service: payments).wrapped
        let ownSubject = try await chain.generateDataKey(tenant: acme, service: payments, subject: try subject("alice")).wrapped
        let foreign = try await chain.generateDataKey(tenant: acme, service: other).wrapped
        try await chain.checkOwnDataKey(own, tenant: acme, service: payments)
        try await chain.checkOwnDataKey(ownSubject, tenant: acme, service: payments)
        await #expect(throws: KeyChainError.foreignKey(layer: .l3)) {
            try await chain.checkOwnDataKey(foreign, tenant: acme, service: payments)
        }
        // Right key id, a version the service never had.
        var future = Array(own)
        future[21...24] = [0, 0, 0, 9]
        await #expect(throws: KeyChainError.versionNotFound(layer: .l3, version: 9)) {
            try await chain.checkOwnDataKey(Data(future), tenant: acme, service: payments)
        }
        var notL4 = Array(own)
        notL4[4] = EnvelopeLayer.l3.rawValue
        await #expect(throws: EnvelopeError.wrongLayer(expected: .l4, found: .l3)) {
            try await chain.checkOwnDataKey(Data(notL4), tenant: acme, service: payments)
        }
    }
}
