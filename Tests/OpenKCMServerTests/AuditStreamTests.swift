import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOSSL
import Synchronization
import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// The audit stream without a SIEM: the RFC 5424 form of an entry, and a
/// stream that follows the log across segments, sends again from the last
/// acknowledged entry after failures, and resumes from its cursor after a
/// restart without sending anything twice that was acknowledged.
@Suite struct AuditStreamTests {
    struct Refused: Error {}

    /// A receiver that acknowledges at once and can be told to fail.
    actor RecordingSink: AuditSink {
        nonisolated let name = "recording"
        private(set) var received: [UInt64] = []
        private(set) var failures = 0
        var failingSends = 0

        func failNext(_ count: Int) { failingSends = count }

        func send(_ lines: [AuditLogTail.Line]) async throws -> UInt64? {
            if failingSends > 0 {
                failingSends -= 1
                failures += 1
                throw Refused()
            }
            received += lines.map(\.entry.sequence)
            return lines.last?.entry.sequence
        }

        func settle() async throws -> UInt64? { nil }
        func reset() async {}
        func close() async {}
    }

    static func entry(_ index: Int) -> AuditEntry {
        AuditEntry(time: Date(), correlationID: "corr-\(index)", identity: "tester", operation: "datakey.generate",
                   tenant: "acme", service: "payments", outcome: .success)
    }

    @Test func anEntryIsAnRFC5424MessageFramedByOctetCounting() throws {
        var entry = AuditEntry(time: Date(timeIntervalSince1970: 1_790_000_000.5), correlationID: "c1", identity: "ops",
                               operation: "key.compromise", tenant: "acme", key: #"v2 "quoted" ] \ end"#, outcome: .refused,
                               errorCode: "access.denied")
        entry.sequence = 42
        entry.node = "node a"
        let line = Array(#"{"sequence":42}"#.utf8)
        let framed = AuditSyslogMessage.framed(entry, line: line, hostname: "kcm 1")
        let text = String(decoding: framed, as: UTF8.self)
        let space = try #require(text.firstIndex(of: " "))
        let message = text[text.index(after: space)...]
        #expect(Int(text[..<space]) == message.utf8.count, "the frame's length counts the message's octets")
        // Facility 13 (log audit), severity 4 (a refusal); spaces dropped from header fields.
        #expect(message.hasPrefix("<108>1 2026-09-21T"), "\(message)")
        #expect(message.contains(" kcm1 openkcm nodea key.compromise [openkcm@32473 seq=\"42\" corr=\"c1\" identity=\"ops\" outcome=\"refused\""), "\(message)")
        #expect(message.contains(#"key="v2 \"quoted\" \] \\ end""#), "\(message)")
        #expect(message.hasSuffix("] \u{FEFF}{\"sequence\":42}"), "the stored line after the UTF-8 BOM: \(message)")
    }

    @Test func aStreamFollowsTheLogAcrossSegmentsResendsAfterFailuresAndResumesFromItsCursor() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.log").path
        let log = try AuditLogFile(path: path, segmentBytes: 4096)
        try await log.openChain(masterKey: try MasterKey(SymmetricKey(size: .bits256)), checkpoint: nil)
        for index in 1...100 { try await log.append(Self.entry(index), sync: true) }

        let sink = RecordingSink()
        await sink.failNext(2)
        let stream = AuditStream(auditLog: log, sink: sink, batchSize: 7, pollInterval: .milliseconds(10), maximumBackoff: .milliseconds(50))
        let following = Task { await stream.follow() }
        #expect(try await Eventually.holds { await sink.received.last == 100 }, "the stream did not reach entry 100")
        for index in 101...150 { try await log.append(Self.entry(index), sync: true) }
        #expect(try await Eventually.holds { await sink.received.last == 150 }, "the stream did not follow new entries")
        following.cancel()
        await following.value
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("audit.log.0") }
        #expect(segments.count >= 3, "the entries span several segments: \(segments)")
        #expect(await sink.failures == 2)
        #expect(await sink.received == Array(1...150), "each entry once, in order (failed sends delivered nothing)")
        #expect(stream.progress.acknowledgedSequence == 150 && stream.progress.failureCount == 2)
        let cursor = try String(contentsOfFile: path + ".stream-recording", encoding: .utf8)
        let acknowledged = try #require(await log.entries(from: 150, limit: 1).first)
        #expect(cursor == "150 \(acknowledged.mac)\n", "the cursor names the entry by sequence and MAC")

        // A restart: the new stream starts after the acknowledged entry.
        for index in 151...160 { try await log.append(Self.entry(index), sync: true) }
        let restarted = RecordingSink()
        let again = AuditStream(auditLog: log, sink: restarted, batchSize: 7, pollInterval: .milliseconds(10))
        let resumed = Task { await again.follow() }
        #expect(try await Eventually.holds { await restarted.received.last == 160 })
        resumed.cancel()
        await resumed.value
        #expect(await restarted.received == Array(151...160))

        // A cursor naming an entry this log does not hold (the log was replaced or started again): the whole log is sent.
        try "160 \(String(repeating: "0", count: 64))\n".write(toFile: path + ".stream-recording", atomically: true, encoding: .utf8)
        let replaced = RecordingSink()
        let fromStart = AuditStream(auditLog: log, sink: replaced, batchSize: 50, pollInterval: .milliseconds(10))
        let resent = Task { await fromStart.follow() }
        #expect(try await Eventually.holds { await replaced.received.last == 160 })
        resent.cancel()
        await resent.value
        #expect(await replaced.received == Array(1...160))
    }

    /// The webhook against a collector that fails its first two batches with 503:
    /// each batch is sent again until answered 2xx, with its idempotency key and
    /// token, and the collector ends with every entry once, in order.
    @Test func theWebhookSendsBatchesAgainUntilTheCollectorTakesThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try AuditLogFile(path: directory.appendingPathComponent("audit.log").path)
        try await log.openChain(masterKey: try MasterKey(SymmetricKey(size: .bits256)), checkpoint: nil)
        for index in 1...40 { try await log.append(Self.entry(index), sync: true) }

        struct Collected: Sendable {
            var sequences: [Int] = []
            var keys: [String] = []
            var refused = 0
            var unauthorised = 0
        }
        let collected = Mutex(Collected())
        let router = Router()
        router.post("/audit") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard request.headers[.authorization] == "Bearer collector-token" else {
                collected.withLock { $0.unauthorised += 1 }
                return Response(status: .unauthorized)
            }
            let refuse = collected.withLock { state -> Bool in
                guard state.refused < 2 else { return false }
                state.refused += 1
                return true
            }
            if refuse { return Response(status: .serviceUnavailable) }
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]])
            collected.withLock {
                $0.sequences += entries.compactMap { $0["sequence"] as? Int }
                $0.keys.append(request.headers[.init("Idempotency-Key")!] ?? "")
            }
            return Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/audit"))
            let sink = WebhookSink(.init(url: url, tls: .makeClientConfiguration(), token: "collector-token", batchSize: 16, node: "node-a"))
            let stream = AuditStream(auditLog: log, sink: sink, batchSize: 16, pollInterval: .milliseconds(10), maximumBackoff: .milliseconds(50))
            let following = Task { await stream.follow() }
            let delivered = try await Eventually.holds { collected.withLock { $0.sequences.last == 40 } }
            following.cancel()
            await following.value
            await sink.close()
            #expect(delivered, "the collector did not get entry 40")
        }
        let state = collected.withLock { $0 }
        #expect(state.sequences == Array(1...40), "\(state.sequences)")
        #expect(state.refused == 2 && state.unauthorised == 0)
        #expect(state.keys.first == "node-a:1-16", "\(state.keys)")
    }
}
