import Foundation
import Hummingbird
import HummingbirdTesting
import KMIP
import KMIPEngine
@testable import OpenKCMCore
import OpenKCMPKI
@testable import OpenKCMServer
import OpenKCMSQLite
import OpenKCMTestSupport
import Synchronization
import Testing
import X509

/// The threat of issue 17: an operator who can write the SQLite file but has
/// no MasterKey stops the server, puts back the row an operation changed (or
/// deletes the row it added) with plain SQL, and starts it again. Every such
/// row is refused with the barrier's typed error, and nothing is served from it.
@Suite struct StoreRollbackTests {
    /// One data directory: a core over its SQLite file, stopped and started like the server.
    final class Node: @unchecked Sendable {
        let harness: ServerHarness
        var database: String { harness.directory.appendingPathComponent("openkcm.sqlite").path }
        var storage: SQLiteStorage?
        var core: ServerCore?
        var shares: [ShamirShare] = []
        var rootToken = ""
        var appToken = ""
        var appID = ""

        init() throws { harness = try ServerHarness() }

        /// Initialises a new store: tenant acme, service payments, a crypto identity for it.
        func initialize() async throws {
            let core = try await start()
            (shares, rootToken) = try await core.initializeShamir(shares: 2, threshold: 2)
            let unsealed = try core.unsealed()
            try await unsealed.keyChain.createTenant(TenantID("acme"), l1: harness.l1.reference)
            try await unsealed.keyChain.createService(ServiceID("payments"), tenant: TenantID("acme"))
            let app = try await unsealed.identities.create(name: "app", role: .crypto, tenant: TenantID("acme"), service: ServiceID("payments"))
            (appID, appToken) = (app.identity.id, app.token)
        }

        @discardableResult
        func start() async throws -> ServerCore {
            let storage = try await SQLiteStorage.open(path: database)
            self.storage = storage
            let core = try await ServerCore(backend: storage, keystores: harness.keystores, auditLog: AuditLogFile(path: harness.auditPath, mode: .group))
            self.core = core
            if !shares.isEmpty { for share in shares { _ = try await core.submitShare(share) } }
            return core
        }

        func stop() async throws {
            await core?.seal()
            try await storage?.close()
            (core, storage) = (nil, nil)
        }

        /// The REST API of the running core.
        func rest() -> some ApplicationProtocol { harness.application(core!) }

        /// The SQLite file's rows, for plain SQL while the core is stopped.
        var file: SQLiteRows { SQLiteRows(database: database) }
        func sql(_ statement: String) throws -> String { try file.sql(statement) }
        func rows(_ prefix: String) throws -> [String: String] { try file.rows(prefix) }
        func putBack(_ rows: [String: String]) throws { try file.putBack(rows) }
        func deleteRows(_ keys: some Sequence<String>) throws { try file.delete(keys) }

        /// After a failed test the store may still be open: SQLite-NIO asserts on a connection
        /// released unclosed, so it is closed here and kept alive until then.
        func cleanUp() {
            if let storage {
                Self.unclosed.withLock { $0.append(storage) }
                Task { try? await storage.close() }
            }
            harness.cleanUp()
        }

        static let unclosed = Mutex<[SQLiteStorage]>([])
    }

    static let context = ["order": "42"]

    @Test func anIdentityRevocationUndoneIsRefused() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let before = try node.rows("identities/\(node.appID)")
        #expect(before.count == 1)
        let (root, id) = (node.rootToken, node.appID)
        try await node.rest().test(.router) { client async throws in
            #expect(try await client.call(.delete, "/v1/identities/\(id)", token: root).status == 204)
        }
        try await node.stop()
        try node.putBack(before)
        try await node.start()
        let app = node.appToken
        try await node.rest().test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: app, json: ["context": Self.context])
            #expect(answer.status == 500 && answer.string("code") == "barrier.record_rolled_back", "\(answer.json)")
            #expect(answer["plaintext"] == nil)
        }
        try await node.stop()
    }

    @Test func anL1UnlinkUndoneIsRefused() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let before = try node.rows("tenants/acme")
        let root = node.rootToken
        try await node.rest().test(.router) { client async throws in
            #expect(try await client.call(.delete, "/v1/tenants/acme/l1", token: root).status == 200)
        }
        try await node.stop()
        try node.putBack(before)
        try await node.start()
        let app = node.appToken
        try await node.rest().test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: app, json: ["context": Self.context])
            #expect(answer.status == 500 && answer.string("code") == "barrier.record_rolled_back", "\(answer.json)")
            #expect(answer["plaintext"] == nil)
        }
        try await node.stop()
    }

    @Test func aMinimumVersionRaiseUndoneIsRefused() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let keyChain = try node.core!.unsealed().keyChain
        let old = try await keyChain.generateDataKey(tenant: TenantID("acme"), service: ServiceID("payments"))
        try await keyChain.rotateServiceKey(ServiceID("payments"), tenant: TenantID("acme"))
        let before = try node.rows("services/acme/payments")
        try await keyChain.setServiceMinimumDecryptionVersion(ServiceID("payments"), tenant: TenantID("acme"), 2)
        try await node.stop()
        try node.putBack(before)
        try await node.start()
        let app = node.appToken
        let wrapped = old.wrapped.base64EncodedString()
        try await node.rest().test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: app, json: ["wrapped": wrapped])
            #expect(answer.status == 500 && answer.string("code") == "barrier.record_rolled_back", "\(answer.json)")
            #expect(answer["plaintext"] == nil)
        }
        try await node.stop()
    }

    @Test func anL4RevocationDeletedIsRefused() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let app = node.appToken
        let wrapped = try await node.rest().test(.router) { client async throws in
            let key = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: app, json: ["context": Self.context])
            let wrapped = key.string("wrapped")
            let destroyed = try await client.call(.post, "/v1/tenants/acme/services/payments/destroy", token: app,
                                                  json: ["wrapped": wrapped, "context": Self.context])
            #expect(destroyed.status == 200, "\(destroyed.json)")
            return wrapped
        }
        try await node.stop()
        let revocations = try node.rows("destroyed-l4/acme/payments/")
        #expect(revocations.count == 1)
        try node.deleteRows(revocations.keys)
        try await node.start()
        try await node.rest().test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: app,
                                               json: ["wrapped": wrapped, "context": Self.context])
            #expect(answer.status == 500 && answer.string("code") == "barrier.record_missing", "\(answer.json)")
            #expect(answer["plaintext"] == nil)
        }
        try await node.stop()
    }

    @Test func aTrustedCARemovalUndoneIsRefused() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let authority = try CertificateAuthority.create(
            subject: DistinguishedName(rfc4514: "CN=Customer CA"), notBefore: Date(), notAfter: Date().addingTimeInterval(86_400))
        let root = node.rootToken
        let id = try await node.rest().test(.router) { client async throws in
            let added = try await client.call(.post, "/v1/kmip/trusted-cas", token: root,
                                              json: ["name": "customer", "certificate": authority.certificate.pemString])
            #expect(added.status == 201, "\(added.json)")
            return added.string("id")
        }
        let before = try node.rows("kmip/trusted-cas/\(id)")
        #expect(before.count == 1)
        try await node.rest().test(.router) { client async throws in
            #expect(try await client.call(.delete, "/v1/kmip/trusted-cas/\(id)", token: root).status == 204)
        }
        try await node.stop()
        try node.putBack(before)
        try await node.start()
        try await node.rest().test(.router) { client async throws in
            let answer = try await client.call(.get, "/v1/kmip/trusted-cas", token: root)
            #expect(answer.status == 500 && answer.string("code") == "barrier.record_unexpected", "\(answer.json)")
        }
        // The listener keeps trusting nothing new: its reload fails the same way.
        await #expect(throws: BarrierError.recordUnexpected(key: "kmip/trusted-cas/\(id)")) {
            _ = try await node.core!.kmipClientTrust.reload(from: node.core!.barrier)
        }
        try await node.stop()
    }

    @Test func aKMIPRevokeAndDestroyUndoneAreRefused() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let unsealed = try node.core!.unsealed()
        let vcenter = try await unsealed.identities.create(name: "vcenter", role: .crypto, tenant: TenantID("acme"), service: ServiceID("payments")).identity
        func session(_ core: ServerCore) -> KMIPClientFlowTests.Session {
            var engine = KMIPProtocolEngine()
            engine.registerObjectOperations(Operations(core: core))
            return KMIPClientFlowTests.Session(engine: engine, caller: Caller(identity: vcenter, correlationID: "rollback"), version: .v2_0)
        }
        var kmip = session(node.core!)
        let revokedID = try await KMIPObjectOperationsTests.create(kmip)
        let destroyedID = try await KMIPObjectOperationsTests.create(kmip)
        let before = try node.rows("kmip/objects/acme/payments/")
        #expect(before.count == 2)
        let reason = TTLVItem.structure(.revocationReason, [TTLVItem(.revocationReasonCode, .enumeration(1))])
        #expect(try await kmip.send(.revoke, [KMIPObjectOperationsTests.uid(revokedID), reason]).resultStatus == .success)
        #expect(try await kmip.send(.revoke, [KMIPObjectOperationsTests.uid(destroyedID), reason]).resultStatus == .success)
        #expect(try await kmip.send(.destroy, [KMIPObjectOperationsTests.uid(destroyedID)]).resultStatus == .success)
        try await node.stop()
        try node.putBack(before)
        try await node.start()
        kmip = session(node.core!)
        for id in [revokedID, destroyedID] {
            let get = try await kmip.send(.get, [KMIPObjectOperationsTests.uid(id)])
            #expect(get.resultStatus == .operationFailed && get.resultReason == .generalFailure)
            // Revoke rewrote the record, Destroy rewrote or deleted it: either way the old row is refused.
            #expect(get.resultMessage?.contains("outside the server") == true, "\(get.resultMessage ?? "")")
            #expect(get.payload?[.symmetricKey] == nil)
        }
        try await node.stop()
    }

    @Test func aStoreFromBeforeRecordVersionsIsIndexedAtItsFirstUnseal() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        let app = node.appToken
        let key = try await node.rest().test(.router) { client async throws in
            try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: app, json: ["context": Self.context])
        }
        let masterKey = try node.core!.unsealed().masterKey
        try await node.stop()

        // Every record as the barrier wrote it before versions (the bare envelope, bound to its path), and no index.
        let storage = try await SQLiteStorage.open(path: node.database)
        let barrier = SealedStorage(backend: storage)
        barrier.unseal(with: masterKey)
        var records: [String: Data] = [:]
        for path in try await barrier.list(prefix: "") { records[path] = try #require(try await barrier.get(path)) }
        try await storage.close()
        #expect(records.keys.contains("tenants/acme") && records.keys.contains("identities/\(node.appID)"))
        // A server from before versions never wrote the store generation into its audit log either: the log is
        // chained again without those entries, and the legacy checkpoint names its head.
        let log = try String(contentsOfFile: node.harness.auditPath, encoding: .utf8).split(separator: "\n")
        let legacyEntries = try log.map { try AuditLogFormat.entry(Array($0.utf8)) }.filter { !$0.operation.hasPrefix("barrier.") }
        #expect(legacyEntries.count == log.count - 1)
        var chain = AuditChain(masterKey: masterKey)
        let legacyLog = try legacyEntries.map { try AuditLogFormat.line(chain.seal($0)) }.joined()
        try Data(legacyLog).write(to: URL(fileURLWithPath: node.harness.auditPath))
        records[ServerCore.auditCheckpointKey] = try JSONEncoder().encode(chain.head)
        _ = try node.sql("DELETE FROM records WHERE substr(key, 1, 8) = 'barrier/'")
        for (path, value) in records {
            let hex = try Self.legacyRecord(value, at: path, masterKey: masterKey).map { String(format: "%02x", $0) }.joined()
            _ = try node.sql("UPDATE records SET value = X'\(hex)' WHERE key = '\(path)'")
        }
        #expect(try node.rows("tenants/acme")["tenants/acme"]?.hasPrefix("4F4B") == true)

        // The first unseal indexes it as it is and rewrites every record at version 1; the old key still opens.
        try await node.start()
        #expect(try node.rows("tenants/acme")["tenants/acme"]?.hasPrefix("0000000000000001") == true)
        #expect(try node.rows("barrier/root").count == 1)
        try await node.rest().test(.router) { client async throws in
            let opened = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: app,
                                               json: ["wrapped": key.string("wrapped"), "context": Self.context])
            #expect(opened.status == 200 && opened.string("plaintext") == key.string("plaintext"), "\(opened.json)")
        }
        try await node.stop()
    }

    @Test func aWholeStorePutBackFromABackupIsRefusedByTheAuditLog() async throws {
        let node = try Node()
        defer { node.cleanUp() }
        try await node.initialize()
        try await node.stop()
        // A consistent copy of the whole data directory, the audit log with it.
        let files = FileManager.default
        let data = node.harness.directory
        let backup = data.appendingPathComponent("backup")
        try files.createDirectory(at: backup, withIntermediateDirectories: true)
        let names = ["openkcm.sqlite", "openkcm.sqlite-wal", "openkcm.sqlite-shm", "audit.log"]
        for name in names where files.fileExists(atPath: data.appendingPathComponent(name).path) {
            try files.copyItem(at: data.appendingPathComponent(name), to: backup.appendingPathComponent(name))
        }
        func restore(_ names: [String]) throws {
            for name in names {
                try? files.removeItem(at: data.appendingPathComponent(name))
                if files.fileExists(atPath: backup.appendingPathComponent(name).path) {
                    try files.copyItem(at: backup.appendingPathComponent(name), to: data.appendingPathComponent(name))
                }
            }
        }

        // After the backup: the identity is revoked, and the server sealed and stopped.
        try await node.start()
        try await node.core!.unsealed().identities.revoke(node.appID)
        try await node.stop()

        // The store alone put back: every row consistent, but older than the audit log recorded.
        try restore(Array(names.dropLast()))
        let refused = await #expect(throws: BarrierError.self) { try await node.start() }
        if case .storeRolledBack(let generation, let audited)? = refused {
            #expect(generation < audited)
        } else {
            Issue.record("expected storeRolledBack, got \(String(describing: refused))")
        }
        #expect(node.core!.status.sealed)
        try await node.stop()

        // The whole backup, audit log included (a restore on purpose): it unseals, and is what it was.
        try restore(names)
        try await node.start()
        let app = node.appToken
        try await node.rest().test(.router) { client async throws in
            let answer = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: app, json: ["context": Self.context])
            #expect(answer.status == 200, "\(answer.json)")
        }
        try await node.stop()
    }

    /// A record as the barrier wrote it before records carried versions.
    static func legacyRecord(_ value: Data, at path: String, masterKey: MasterKey) throws -> Data {
        let key = BarrierKey(masterKey: masterKey)
        let header = EnvelopeHeader(layer: .barrierRecord, keyID: key.id, keyVersion: key.term)
        let binding = EnvelopeBinding(context: EncryptionContext(trustedPairs: [(key: "path", value: path)]))
        return Data(try EnvelopeCipher.seal(value, header: header, binding: binding, key: key.key))
    }
}

extension StoreRollbackTests {
    /// The keyring lives outside the record index: put back from before a
    /// re-encryption retired term 1, it would bring the retired (possibly
    /// leaked) key back. The audit log recorded the keyring's version with the
    /// store generation, and the unseal refuses the older copy.
    @Test func aKeyringPutBackFromBeforeARetirementIsRefusedAtUnseal() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let (shares, rootToken) = try await core.initializeShamir(shares: 2, threshold: 2)
        try await harness.application(core).test(.router) { client async throws in
            // Rotated without the background run, so the keyring is caught before the retirement, then the run started.
            _ = try await core.barrier.rotateKey(at: Date())
            let older = try #require(try await harness.storage.get(BarrierKeyring.storageKey))
            core.startBarrierReencryption()
            let done = try await Eventually.value(every: .milliseconds(50)) { () -> Bool? in
                try await client.call(.get, "/v1/sys/key-status", token: rootToken)["reencryptedAt"] != nil ? true : nil
            }
            #expect(done == true, "the re-encryption did not finish")
            #expect(try await client.call(.get, "/v1/sys/key-status", token: rootToken)["terms"] as? Int == 1, "term 1 is retired")
            #expect(try await client.call(.post, "/v1/sys/seal", token: rootToken).status == 200)
            try await harness.storage.put(BarrierKeyring.storageKey, value: older)
            _ = try await client.call(.post, "/v1/sys/unseal", json: ["share": shares[0].withEncodedBytes { $0.hexString }])
            let refused = try await client.call(.post, "/v1/sys/unseal", json: ["share": shares[1].withEncodedBytes { $0.hexString }])
            #expect(refused.string("code") == "barrier.record_rolled_back" && refused.string("detail").contains("barrier/keyring"), "\(refused.json)")
            #expect(core.status.sealed)
        }
    }
}
