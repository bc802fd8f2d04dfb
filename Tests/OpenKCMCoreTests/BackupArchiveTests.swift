import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

/// Backups: what a server makes opens under its MasterKey, restores into an
/// empty store that serves the same data keys, and every change to the file
/// (a flipped byte, a record swapped with its digest fixed, another key) is
/// refused with the reason.
@Suite struct BackupArchiveTests {
    struct Store {
        let fixture: KeyChainFixture
        let shares: [ShamirShare]
        let configuration: SealConfiguration
        let context: EncryptionContext
        var blobs: [(wrapped: Data, key: [UInt8])] = []
    }

    static func store() async throws -> Store {
        let (configuration, masterKey, shares) = try SealInitializer.shamir(shares: 3, threshold: 2)
        let storage = InMemoryStorage()
        try await storage.put(SealConfiguration.storageKey, value: JSONEncoder().encode(configuration))
        let fixture = KeyChainFixture(storage: storage, masterKey: masterKey)
        let acme = tenant("acme")
        try await fixture.chain.createTenant(acme, l1: fixture.l1.reference)
        try await fixture.chain.createService(service("payments"), tenant: acme)
        var store = Store(fixture: fixture, shares: shares, configuration: configuration, context: try EncryptionContext(["order": "42"]))
        for _ in 0..<5 {
            let made = try await fixture.chain.generateDataKey(tenant: acme, service: service("payments"), context: store.context)
            store.blobs.append((made.wrapped, made.key.withUnsafeBytes { Array($0) }))
        }
        return store
    }

    @Test func aBackupRestoresIntoAnEmptyStoreThatServesTheSameDataKeys() async throws {
        let store = try await Self.store()
        let encoded = try BackupArchive.make(records: try await store.fixture.storage.snapshot(), masterKey: store.fixture.masterKey, node: "n1").encoded
        let archive = try BackupArchive(decoding: encoded)
        #expect(archive.manifest.contents["tenants"] == 1)
        #expect(archive.manifest.contents["services"] == 1)
        #expect(archive.manifest.sealKind == "shamir")
        #expect(archive.manifest.node == "n1")
        #expect(archive.manifest.storeGeneration > 0)

        // The shares alone rebuild the key that opens it.
        let rebuilt = try #require(archive.sealConfiguration).masterKey(from: Array(store.shares.prefix(2)))
        let verification = try await archive.verify(with: rebuilt)
        #expect(verification.recordsOpened == archive.manifest.contents.values.reduce(0, +))

        let target = InMemoryStorage()
        try await target.load(archive.records)
        let restored = KeyChainFixture(storage: target, masterKey: rebuilt, l1: store.fixture.l1)
        for blob in store.blobs {
            let key = try await restored.chain.unwrapDataKey(blob.wrapped, tenant: tenant("acme"), service: service("payments"), context: store.context)
            #expect(key.withUnsafeBytes { Array($0) } == blob.key)
        }
    }

    @Test func aChangedBackupIsRefusedWithTheReason() async throws {
        let store = try await Self.store()
        let encoded = try BackupArchive.make(records: try await store.fixture.storage.snapshot(), masterKey: store.fixture.masterKey).encoded
        let masterKey = store.fixture.masterKey

        // A flipped byte in a record: the digest no longer matches.
        var flipped = encoded
        flipped[flipped.count - 3] ^= 0x01
        #expect(throws: BackupError.self) { try BackupArchive(decoding: flipped) }
        do { _ = try BackupArchive(decoding: flipped) } catch { #expect(error.code == "backup.corrupted") }

        // A record changed and the manifest's digest fixed to match: the tag does not verify.
        let forged = try BackupForgery.forge(encoded) { section in section[section.count - 3] ^= 0x01 }
        let archive = try BackupArchive(decoding: forged)
        await #expect(throws: BackupError.tampered) { try await archive.verify(with: masterKey) }

        // A record dropped, digest and count fixed: still the tag.
        let dropped = try BackupForgery.forge(encoded) { section in section = section.prefix(BackupForgery.firstRecordLength(section)) }
        await #expect(throws: BackupError.tampered) { try await BackupArchive(decoding: dropped).verify(with: masterKey) }

        // Another MasterKey: said so, with both check values.
        let other = MasterKey.generate()
        await #expect(throws: BackupError.otherMasterKey(backup: masterKey.keyCheckValue.description, current: other.keyCheckValue.description)) {
            try await BackupArchive(decoding: encoded).verify(with: other)
        }

        // Cut short, or not a backup at all.
        for bad in [encoded.prefix(encoded.count - 1), encoded.prefix(30), Data("hello".utf8), Data()] {
            #expect(throws: BackupError.self) { try BackupArchive(decoding: Data(bad)) }
        }
    }

    @Test func aBackupOfAStoreWhoseRecordWasRolledBackIsRefused() async throws {
        let store = try await Self.store()
        // A record put back at an older version (in the store, before the backup): the server's own tag
        // covers it, but the barrier's index does not list it so.
        let storage = store.fixture.storage
        let path = try #require(try await storage.list(prefix: "services/").first)
        let old = try #require(try await storage.get(path))
        _ = try await store.fixture.chain.rotateServiceKey(service("payments"), tenant: tenant("acme"))
        try await storage.put(path, value: old)
        let archive = try BackupArchive.make(records: try await storage.snapshot(), masterKey: store.fixture.masterKey)
        await #expect(throws: BackupError.self) { try await archive.verify(with: store.fixture.masterKey) }
    }
}
