import Foundation
import Testing
import OpenKCMCore

/// Edits, deletions, insertions, reorderings and truncation of a stored audit
/// log are all caught, and the first bad entry is named.
@Suite struct AuditChainTests {
    static func makeLog(_ count: Int, masterKey: MasterKey) -> (entries: [AuditEntry], head: AuditHead) {
        var chain = AuditChain(masterKey: masterKey)
        var entries: [AuditEntry] = []
        for i in 0..<count {
            let refused = i % 5 == 0
            let entry = AuditEntry(
                time: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)),
                correlationID: "corr-\(i)",
                identity: "id-\(i % 3)",
                operation: i % 2 == 0 ? "datakey.wrap" : "tenant.create",
                tenant: "acme",
                service: i % 2 == 0 ? "payments" : nil,
                outcome: refused ? AuditOutcome.refused : AuditOutcome.success,
                errorCode: refused ? "access.forbidden" : nil)
            entries.append(chain.seal(entry))
        }
        return (entries, chain.head)
    }

    /// Entries go through their stored JSON form, as the verifier will read them.
    static func roundTrip(_ entries: [AuditEntry]) throws -> [AuditEntry] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode((date.timeIntervalSince1970 * 1000).rounded())
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            Date(timeIntervalSince1970: try decoder.singleValueContainer().decode(Double.self) / 1000)
        }
        return try entries.map { try decoder.decode(AuditEntry.self, from: encoder.encode($0)) }
    }

    @Test func anIntactLogVerifies() throws {
        let masterKey = MasterKey.generate()
        let (entries, head) = Self.makeLog(50, masterKey: masterKey)
        let verification = AuditVerifier(masterKey: masterKey).verify(try Self.roundTrip(entries), checkpoint: head)
        #expect(verification == .intact(entries: 50, head: head))
        #expect(AuditVerifier(masterKey: masterKey).verify([AuditEntry](), checkpoint: .genesis).isIntact)
    }

    @Test func everyEditIsCaughtAtTheEditedEntry() {
        let masterKey = MasterKey.generate()
        let (entries, head) = Self.makeLog(20, masterKey: masterKey)
        let verifier = AuditVerifier(masterKey: masterKey)
        let edits: [(inout AuditEntry) -> Void] = [
            { $0.identity = "someone-else" }, { $0.operation = "datakey.unwrap" }, { $0.tenant = "globex" },
            { $0.service = nil }, { $0.outcome = .success }, { $0.errorCode = nil }, { $0.correlationID += "x" },
            { $0.time = $0.time.addingTimeInterval(1) }, { $0.key = "k" }, { $0.mac = String(repeating: "0", count: 64) },
        ]
        for position in [0, 7, 19] {
            for edit in edits {
                var tampered = entries
                edit(&tampered[position])
                guard tampered[position] != entries[position] else { continue }
                let verification = verifier.verify(tampered, checkpoint: head)
                guard case .broken(let at, _, _) = verification else {
                    Issue.record("edit at \(position) not caught")
                    continue
                }
                #expect(at == position + 1)
            }
        }
    }

    @Test func deletionsInsertionsReorderingsAndTruncationAreCaught() {
        let masterKey = MasterKey.generate()
        let (entries, head) = Self.makeLog(20, masterKey: masterKey)
        let verifier = AuditVerifier(masterKey: masterKey)

        var deleted = entries
        deleted.remove(at: 5)
        #expect(verifier.verify(deleted, checkpoint: head) == .broken(position: 6, sequence: 7, reason: .sequenceGap(expected: 6)))

        // An insertion with a valid-looking sequence but no key cannot carry a valid MAC.
        var inserted = entries
        var forged = entries[4]
        forged.operation = "datakey.unwrap"
        inserted.insert(forged, at: 5)
        #expect(!verifier.verify(inserted, checkpoint: head).isIntact)

        // A real entry replayed in another place.
        var replayed = entries
        replayed.insert(entries[2], at: 10)
        #expect(verifier.verify(replayed, checkpoint: head) == .broken(position: 11, sequence: 3, reason: .sequenceGap(expected: 11)))

        var swapped = entries
        swapped.swapAt(3, 4)
        #expect(verifier.verify(swapped, checkpoint: head) == .broken(position: 4, sequence: 5, reason: .sequenceGap(expected: 4)))

        let truncated = Array(entries.prefix(15))
        #expect(verifier.verify(truncated, checkpoint: head) == .broken(position: 16, sequence: 16, reason: .truncated(expectedLast: 20)))
        #expect(verifier.verify(truncated).isIntact, "without the head a clean cut cannot be seen")

        // Another MasterKey's log does not verify here.
        let (foreign, foreignHead) = Self.makeLog(3, masterKey: .generate())
        #expect(verifier.verify(foreign, checkpoint: foreignHead) == .broken(position: 1, sequence: 1, reason: .badMAC))
    }

    @Test func aBatchEntrysCountIsCoveredAndEntriesWithoutOneKeepTheirV1Bytes() throws {
        let masterKey = MasterKey.generate()
        var chain = AuditChain(masterKey: masterKey)
        let single = AuditEntry(time: Date(timeIntervalSince1970: 1_800_000_000), correlationID: "c", identity: "app",
                                operation: "datakey.wrap", tenant: "acme", service: "payments", outcome: .success)
        var batch = single
        batch.count = 1000
        let entries = [chain.seal(single), chain.seal(batch), chain.seal(single)]
        let verifier = AuditVerifier(masterKey: masterKey)
        let stored = try AuditLogFormat.lines(entries.flatMap { try AuditLogFormat.line($0) }).map { try AuditLogFormat.entry($0) }
        #expect(stored.map(\.count) == [nil, 1000, nil])
        #expect(verifier.verify(stored, checkpoint: chain.head).isIntact)
        // Logs written before counts existed: an entry without one is signed over the v1 bytes.
        #expect(entries[0].canonicalBytes.starts(with: Array("OpenKCM audit v1".utf8)))
        #expect(entries[1].canonicalBytes.starts(with: Array("OpenKCM audit v2".utf8)))
        for edit: (inout AuditEntry) -> Void in [{ $0.count = 999 }, { $0.count = nil }, { $0.count = 1 }] {
            var tampered = stored
            edit(&tampered[1])
            #expect(verifier.verify(tampered, checkpoint: chain.head) == .broken(position: 2, sequence: 2, reason: .badMAC))
        }
        var added = stored
        added[0].count = 2
        #expect(!verifier.verify(added, checkpoint: chain.head).isIntact)
    }

    @Test func aReplicasNodeIsInEveryEntryAndCoveredByTheMAC() throws {
        let masterKey = MasterKey.generate()
        var chain = AuditChain(masterKey: masterKey)
        var entry = AuditEntry(time: Date(timeIntervalSince1970: 1_800_000_000), correlationID: "c", identity: "app",
                               operation: "datakey.wrap", tenant: "acme", service: "payments", outcome: .success)
        entry.node = "node-a1b2c3d4e5f60718"
        var counted = entry
        counted.count = 7
        let entries = [chain.seal(entry), chain.seal(counted)]
        let stored = try AuditLogFormat.lines(entries.flatMap { try AuditLogFormat.line($0) }).map { try AuditLogFormat.entry($0) }
        #expect(stored.map(\.node) == [entry.node, entry.node])
        #expect(stored[0].canonicalBytes.starts(with: Array("OpenKCM audit v3".utf8)))
        let verifier = AuditVerifier(masterKey: masterKey)
        #expect(verifier.verify(stored, checkpoint: chain.head).isIntact)
        // Another node's name, or none, on an entry: caught at that entry.
        for edit: (inout AuditEntry) -> Void in [{ $0.node = "node-ffffffffffffffff" }, { $0.node = nil }, { $0.count = nil }] {
            var tampered = stored
            edit(&tampered[1])
            #expect(verifier.verify(tampered, checkpoint: chain.head) == .broken(position: 2, sequence: 2, reason: .badMAC))
        }
    }

    @Test func aChainContinuesAcrossRestartsFromItsHead() {
        let masterKey = MasterKey.generate()
        let (first, head) = Self.makeLog(5, masterKey: masterKey)
        var resumed = AuditChain(masterKey: masterKey, head: head)
        let next = resumed.seal(AuditEntry(time: Date(timeIntervalSince1970: 1_900_000_000), correlationID: "c", identity: "i", operation: "sys.seal", outcome: .success))
        #expect(next.sequence == 6)
        #expect(AuditVerifier(masterKey: masterKey).verify(first + [next], checkpoint: resumed.head).isIntact)
    }
}

@Suite struct AuditLogFormatTests {
    @Test func theStoredLineFormatKeepsEntriesVerifiable() throws {
        let masterKey = MasterKey.generate()
        var chain = AuditChain(masterKey: masterKey)
        var lines: [UInt8] = []
        for i in 0..<200 {
            let entry = chain.seal(AuditEntry(
                time: Date(timeIntervalSince1970: 1_795_609_727.060174 + Double(i) * 0.0137),
                correlationID: "c\(i)", identity: "id", operation: "datakey.wrap", tenant: "acme", outcome: .success))
            lines += try AuditLogFormat.line(entry)
        }
        lines += Array("{\"partial".utf8)
        let parsed = try AuditLogFormat.lines(lines).map { try AuditLogFormat.entry($0) }
        #expect(parsed.count == 200)
        #expect(AuditVerifier(masterKey: masterKey).verify(parsed, checkpoint: chain.head).isIntact)
    }
}

@Suite struct JSONWriterTests {
    @Test func hostileStringsSurviveTheAuditLineFormat() throws {
        let masterKey = MasterKey.generate()
        var chain = AuditChain(masterKey: masterKey)
        let nasty = ["quote\" backslash\\ slash/", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "é漢字😀", "{\"fake\":\"json\"}", ""]
        var entries: [AuditEntry] = []
        var bytes: [UInt8] = []
        for text in nasty {
            let entry = chain.seal(AuditEntry(time: Date(), correlationID: text, identity: text, operation: "POST /v1/\(text)",
                                              tenant: text, outcome: .refused, errorCode: text))
            entries.append(entry)
            bytes += try AuditLogFormat.line(entry)
        }
        let lines = AuditLogFormat.lines(bytes)
        #expect(lines.count == nasty.count, "a string broke the one-line-per-entry format")
        let parsed = try lines.map { try AuditLogFormat.entry($0) }
        #expect(parsed.map(\.correlationID) == nasty)
        #expect(AuditVerifier(masterKey: masterKey).verify(parsed, checkpoint: chain.head).isIntact)
    }
}
