import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMClient
import OpenKCMCore
import OpenKCMGateway
import OpenKCMServer
import OpenKCMSQLite
import OpenKCMTestSupport
import Synchronization
import Testing

/// GDPR erasure end to end: records of ten subjects through the SDK and two
/// gateways on an SQLite core; one subject destroyed; its records never open
/// again, from copies either, on either gateway or at a restarted core, the
/// others still do, and neither its secret nor its sealed record is left in
/// the database file or the WAL.
@Suite struct SubjectShreddingAcceptanceTests {
    @Test func destroyingOneSubjectShredsItsRecordsEverywhereAndLeavesTheOthers() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let path = harness.directory.appendingPathComponent("openkcm.sqlite").path
        let storage = try await SQLiteStorage.open(path: path)
        let core = try await ServerCore(backend: storage, keystores: harness.keystores, auditLog: AuditLogFile(path: harness.auditPath))
        let (shares, _) = try await core.initializeShamir(shares: 2, threshold: 2)
        let acme = tenant("acme")
        let payments = service("payments")
        let unsealed = try core.unsealed()
        try await unsealed.keyChain.createTenant(acme, l1: harness.l1.reference)
        try await unsealed.keyChain.createService(payments, tenant: acme)
        let token = try await unsealed.identities.create(name: "acme-app", role: .crypto, tenant: acme, service: payments).token
        // The test's own view through the barrier, with the MasterKey rebuilt from the shares: how it learns a secret.
        let barrier = SealedStorage(backend: storage)
        let seal = try JSONDecoder().decode(SealConfiguration.self, from: try #require(try await storage.get(SealConfiguration.storageKey)))
        barrier.unseal(with: try seal.masterKey(from: shares))

        let subjects = (0..<10).map { "user-\($0)@example.com" }
        let doomed = subjects[3]
        let doomedID = try SubjectID(doomed)
        // What the live part hands to the checks after it: the copies, the secret and its sealed record.
        let copiesOutside = Mutex<[(subject: Int, index: Int, record: [UInt8])]>([])
        let secretOutside = Mutex<[UInt8]>([])
        let sealedOutside = Mutex<[UInt8]>([])
        let doomedName = Mutex("")

        try await harness.application(core).test(.live) { client in
            let coreURL = "http://127.0.0.1:\(try #require(client.port))"
            let configuration = GatewayConfiguration(coreURL: coreURL, tenant: "acme", service: "payments", token: token)
            try await GatewayTests.withGateway(configuration) { first, firstURL in
                try await GatewayTests.withGateway(configuration) { second, secondURL in
                    let encryptors = [firstURL, secondURL].map {
                        EnvelopeEncryptor(source: RESTDataKeySource(baseURL: $0, tenant: "acme", service: "payments", token: token),
                                          reuse: DataKeyReuse(maximumMessages: 10))
                    }
                    // 1,000 records, 100 per subject, through both gateways, 16 at a time.
                    let records = try await withThrowingTaskGroup(of: [(subject: Int, index: Int, record: [UInt8])].self) { group in
                        for lane in 0..<16 {
                            group.addTask {
                                var made: [(subject: Int, index: Int, record: [UInt8])] = []
                                for index in stride(from: lane, to: 1_000, by: 16) {
                                    let record = try await encryptors[index % 2].encrypt(
                                        Array("record \(index)".utf8), context: ["row": "\(index)"], subject: subjects[index % 10])
                                    made.append((index % 10, index, record))
                                }
                                return made
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                    #expect(records.count == 1_000)
                    // The copies set aside (a backup): the wrapped blobs as they were, bytes of their own.
                    let copies = records.map { (subject: $0.subject, index: $0.index, record: Array($0.record)) }
                    copiesOutside.withLock { $0 = copies }

                    // Every record opens through both gateways, which fills both caches.
                    for encryptor in encryptors {
                        for (subject, index, record) in records {
                            let opened = try await encryptor.decrypt(record, context: ["row": "\(index)"], subject: subjects[subject])
                            #expect(opened == Array("record \(index)".utf8))
                        }
                    }
                    #expect(first.cachedKeys > 0 && second.cachedKeys > 0)
                    // No subject's record opens under another subject, or without one.
                    let sample = try #require(records.first { $0.subject == 3 })
                    for other in [nil, subjects[4]] {
                        await #expect(throws: OpenKCMClientError.self) {
                            try await encryptors[0].decrypt(sample.record, context: ["row": "\(sample.index)"], subject: other)
                        }
                    }

                    // Learn what must vanish: the secret, and its sealed record as SQLite holds it.
                    let name = try await unsealed.keyChain.subjectName(doomedID, tenant: acme, service: payments)
                    doomedName.withLock { $0 = name }
                    let secretPath = SubjectKeys.secretKey(acme, payments, name: name)
                    let secret = try #require(try await barrier.get(secretPath).map(Array.init))
                    #expect(secret.count == 32)
                    let sealedRecord = try #require(try await storage.get(secretPath).map(Array.init))
                    secretOutside.withLock { $0 = secret }
                    sealedOutside.withLock { $0 = sealedRecord }
                    // The scan below can see it: before the destruction, the sealed record is in the files.
                    let before = try ["", "-wal"].map { suffix -> [UInt8] in
                        FileManager.default.fileExists(atPath: path + suffix) ? Array(try Data(contentsOf: URL(fileURLWithPath: path + suffix))) : []
                    }
                    #expect(before.contains { Self.contains($0, Array(sealedRecord[16..<48])) }, "the sealed secret is not where the scan looks")
                    let cachedBySecond = second.cachedKeys

                    // Destroyed through the first gateway; the second hears of it from the core's event stream.
                    try await encryptors[0].destroySubject(doomed)
                    for _ in 0..<1_000 where second.cachedKeys >= cachedBySecond { try await Task.sleep(for: .milliseconds(10)) }
                    #expect(second.cachedKeys < cachedBySecond, "the second gateway kept the destroyed subject's keys")
                    // Only that subject's keys went: the other nine subjects' stay cached.
                    #expect(second.cachedKeys > 0 && first.cachedKeys > 0, "a subject's destruction emptied a whole cache")

                    var refused = 0
                    var opened = 0
                    for encryptor in encryptors {
                        for (subject, index, record) in copies {
                            do {
                                let plaintext = try await encryptor.decrypt(record, context: ["row": "\(index)"], subject: subjects[subject])
                                #expect(subject != 3, "a record of the destroyed subject opened")
                                #expect(plaintext == Array("record \(index)".utf8))
                                opened += 1
                            } catch let error as OpenKCMClientError {
                                #expect(subject == 3, "\(error)")
                                #expect(error == .refused(code: "keychain.subject_destroyed", status: 410, detail: KeyChainError.subjectDestroyed(digest: doomedID.digest).description))
                                refused += 1
                            }
                        }
                    }
                    #expect(refused == 200 && opened == 1_800)
                    // The destroyed subject is not given a new secret.
                    await #expect(throws: OpenKCMClientError.self) {
                        try await encryptors[1].encrypt(Array("again".utf8), subject: doomed)
                    }
                }
            }
        }

        // A restarted core over the same store refuses the copies' wrapped keys too, read straight from the records.
        // (A barrier of its own: the test's view above cached the index as it was before the destruction,
        // and a barrier trusts only its own writes until replicas share a store, issue 18.)
        let restartedBarrier = SealedStorage(backend: storage)
        restartedBarrier.unseal(with: try seal.masterKey(from: shares))
        let restarted = KeyChain(storage: restartedBarrier, keystores: harness.keystores)
        for (subject, index, record) in copiesOutside.withLock({ $0 }) where subject == 3 {
            let wrapped = Data(record[6..<(6 + (Int(record[4]) << 8 | Int(record[5])))])
            await #expect(throws: KeyChainError.subjectDestroyed(digest: doomedID.digest)) {
                try await restarted.unwrapDataKey(wrapped, tenant: acme, service: payments, context: try EncryptionContext(["row": "\(index)"]), subject: doomedID)
            }
        }

        // The data directory: neither the secret (raw, hex, base64, either half) nor its sealed record
        // (any 32 bytes of it) is in the database file or the WAL.
        let secret = secretOutside.withLock { $0 }
        let sealedRecord = sealedOutside.withLock { $0 }
        #expect(secret.count == 32 && sealedRecord.count > 64)
        var found: [String] = []
        for suffix in ["", "-wal"] {
            let file = path + suffix
            guard FileManager.default.fileExists(atPath: file) else { continue }
            let contents = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let forms: [[UInt8]] = [secret, Array(secret.map { String(format: "%02x", $0) }.joined().utf8),
                                    Array(Data(secret).base64EncodedString().utf8), Array(secret.prefix(16)), Array(secret.suffix(16)),
                                    Array(sealedRecord.prefix(32)), Array(sealedRecord.suffix(32)), Array(sealedRecord[16..<48])]
            for (number, form) in forms.enumerated() where Self.contains(contents, form) { found.append("form \(number) in \(file)") }
        }
        #expect(found.isEmpty, "\(found)")

        // The audit log has the destruction under the subject's keyed name, never the subject nor its plain digest;
        // the data directory has no plain digest of any subject either (a guessed id cannot be confirmed).
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains(#""operation":"subject.destroy""#) && audit.contains("subject:\(doomedName.withLock { $0 })"))
        #expect(!audit.contains("@example.com"))
        for file in [harness.auditPath, path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let contents = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            for subject in subjects {
                let digest = try SubjectID(subject).digest
                #expect(!Self.contains(contents, Array(digest.utf8)) && !Self.contains(contents, Array(digest.utf8.prefix(16))), "\(subject)'s digest in \(file)")
            }
        }
        try await storage.close()
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
