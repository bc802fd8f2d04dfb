import DataKeyChannel
import DataKeyWire
import Foundation
import NIOCore
import NIOPosix
import OpenKCMCore
import OpenKCMServer
import Testing

/// The core's data-key channel as a gateway (or anyone else) meets it: a
/// hello that must name a live identity's scope, batches answered as the
/// REST batch routes answer them, and every refusal audited with the
/// connection either kept (a bad batch) or closed (a bad hello, bad framing).
@Suite struct DataKeyChannelTests {
    /// One connection to the channel, frame by frame.
    struct Probe {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        /// Sends bytes (a frame, or anything) and reads the next frame: its kind and payload, or nil once the core closed.
        mutating func send(_ bytes: [UInt8]) async throws -> (kind: UInt8, payload: [UInt8])? {
            try await outbound.write(ByteBuffer(bytes: bytes))
            return try await next()
        }

        mutating func next() async throws -> (kind: UInt8, payload: [UInt8])? {
            do {
                guard var frame = try await inbound.next(), let kind = frame.readInteger(as: UInt8.self) else { return nil }
                return (kind, Array(frame.readableBytesView))
            } catch is ChannelError {
                return nil
            }
        }

        mutating func hello(token: String, tenant: String = "acme", service: String = "payments") async throws -> (kind: UInt8, payload: [UInt8])? {
            try await send(try DataKeyChannelWire.Hello(token: token, tenant: tenant, service: service).frame())
        }

        static func batch(_ kind: DataKeyChannelWire.Kind, _ body: [UInt8]) -> [UInt8] {
            DataKeyChannelWire.header(kind, payloadCount: body.count) + body
        }
    }

    static func withProbe<T: Sendable>(port: Int, _ body: (inout Probe) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DataKeyChannelFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var probe = Probe(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&probe)
        }
    }

    /// Whether a hello over plain TCP gets any frame back (a TLS channel answers it with nothing a gateway could read).
    static func plainHelloIsAnswered(port: Int, token: String) async throws -> Bool {
        do {
            return try await withProbe(port: port) { probe in
                let answer = try await probe.hello(token: token)
                return answer?.kind == DataKeyChannelWire.Kind.ready.rawValue
            }
        } catch {
            return false
        }
    }

    static func refusal(_ frame: (kind: UInt8, payload: [UInt8])?) -> DataKeyChannelWire.Refusal? {
        guard let frame, frame.kind == DataKeyChannelWire.Kind.refusal.rawValue else { return nil }
        return try? DataKeyChannelWire.Refusal(decoding: frame.payload)
    }

    @Test func batchesOverTheChannelAreTheRESTBatchesWithOneHello() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme", "globex"])
        let token = try #require(tokens["acme"])
        let key = (0..<32).map { UInt8($0) }
        let context = try DataKeyBatchWire.canonicalContext(["record": "42"])
        try await harness.withChannel(core) { port in
            try await Self.withProbe(port: port) { probe in
                #expect(try await probe.hello(token: token)?.kind == DataKeyChannelWire.Kind.ready.rawValue)
                let wraps = try DataKeyBatchRequest(items: [.init(value: key[...], context: context[...]), .init(value: key[..<16], context: context[...])]).encoded()
                let wrapped = try #require(try await probe.send(Probe.batch(.wrap, wraps)))
                #expect(wrapped.kind == DataKeyChannelWire.Kind.answer.rawValue)
                let outcomes = try DataKeyBatchAnswer(decoding: wrapped.payload).outcomes
                guard outcomes.count == 2, case .value(let blob) = outcomes[0], case .problem(400, "envelope.invalid_key_length", _) = outcomes[1] else {
                    Issue.record("\(outcomes)"); return
                }
                // The blob opens over the channel, and only with its context.
                let unwraps = try DataKeyBatchRequest(items: [
                    .init(value: blob, context: context[...]), .init(value: blob, context: try DataKeyBatchWire.canonicalContext(["record": "43"])[...]),
                ]).encoded()
                let opened = try #require(try await probe.send(Probe.batch(.unwrap, unwraps)))
                let answers = try DataKeyBatchAnswer(decoding: opened.payload).outcomes
                #expect(answers.first == .value(key[...]))
                guard answers.count == 2, case .problem(400, "envelope.authentication_failed", _) = answers[1] else { Issue.record("\(answers)"); return }
                // A bad batch is refused and the connection stays: the next batch is answered.
                let garbage = Self.refusal(try await probe.send(Probe.batch(.wrap, Array("not a batch".utf8))))
                #expect(garbage?.status == 400 && garbage?.code == "request.invalid_batch", "\(String(describing: garbage))")
                let stray = Self.refusal(try await probe.send(Probe.batch(.hello, [])))
                #expect(stray?.code == "channel.unexpected_frame")
                let unknown = Self.refusal(try await probe.send([0, 0, 0, 1, 0x7F]))
                #expect(unknown?.code == "channel.unexpected_frame")
                #expect(try await probe.send(Probe.batch(.wrap, wraps))?.kind == DataKeyChannelWire.Kind.answer.rawValue)

                // Revoking the identity refuses its next batch on the open connection.
                let identity = try #require(try await core.unsealed().identities.list().first { $0.name == "acme-app" })
                try await core.unsealed().identities.revoke(identity.id)
                let revoked = Self.refusal(try await probe.send(Probe.batch(.wrap, wraps)))
                #expect(revoked?.status == 401 && revoked?.code == "access.unauthenticated", "\(String(describing: revoked))")
            }
        }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        // The revoked token's batch is refused in the batch's scope, as REST refuses it.
        let wrapEntries = entries.filter { $0.operation == "datakey.wrap" }
        #expect(wrapEntries.map(\.outcome) == [.success, .refused, .success, .refused, .refused])
        #expect(wrapEntries.last?.errorCode == "access.unauthenticated" && wrapEntries.last?.tenant == "acme")
        #expect(entries.filter { $0.operation == "datakey.unwrap" }.map(\.outcome) == [.success, .refused])
        let hello = entries.filter { $0.operation == "datakey-channel.hello" }
        #expect(hello.map(\.outcome) == [.success] && hello.first?.service == "payments")
        let refusals = entries.filter { $0.operation.hasPrefix("datakey-channel.") && $0.outcome != .success }
        #expect(refusals.map(\.operation) == ["datakey-channel.wrap", "datakey-channel.frame", "datakey-channel.frame"])
        #expect(refusals.map(\.errorCode) == ["request.invalid_batch", "channel.unexpected_frame", "channel.unexpected_frame"])
    }

    @Test func aBadHelloIsRefusedAuditedAndTheConnectionClosed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme", "globex"])
        let acme = try #require(tokens["acme"])
        let wraps = try DataKeyBatchRequest(items: [.init(value: Array(repeating: 7, count: 32)[...], context: [0, 0])]).encoded()
        try await harness.withChannel(core) { port in
            let cases: [(frame: [UInt8], status: Int, code: String)] = [
                (try DataKeyChannelWire.Hello(token: "okcm_nope", tenant: "acme", service: "payments").frame(), 401, "access.unauthenticated"),
                // acme's token for globex's service: another tenant's scope.
                (try DataKeyChannelWire.Hello(token: acme, tenant: "globex", service: "payments").frame(), 403, "access.out_of_scope"),
                (try DataKeyChannelWire.Hello(token: acme, tenant: "Not An Id!", service: "payments").frame(), 400, "keychain.invalid_identifier"),
                (Probe.batch(.wrap, wraps), 400, "channel.hello_expected"),
                (Probe.batch(.hello, Array("OKC1".utf8) + [0, 9]), 400, "channel.invalid_hello"),
            ]
            for (frame, status, code) in cases {
                try await Self.withProbe(port: port) { probe in
                    let refusal = Self.refusal(try await probe.send(frame))
                    #expect(refusal?.status == status && refusal?.code == code, "\(String(describing: refusal)) for \(code)")
                    #expect(try await probe.next() == nil, "the connection stays open after a refused hello (\(code))")
                }
            }
            // Framing the core cannot follow (a length past the limit) closes the connection; the listener serves the next one.
            try await Self.withProbe(port: port) { probe async throws -> Void in
                #expect(try await probe.send([0xFF, 0xFF, 0xFF, 0xFF, 0x02]) == nil)
            }
            // Before the hello is checked a frame may be 16 KiB, not the megabyte a batch may be.
            try await Self.withProbe(port: port) { probe async throws -> Void in
                #expect(try await probe.send(DataKeyChannelWire.header(.hello, payloadCount: 20_000)) == nil)
            }
            try await Self.withProbe(port: port) { probe async throws -> Void in
                #expect(try await probe.hello(token: acme)?.kind == DataKeyChannelWire.Kind.ready.rawValue)
            }
        }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        let refused = entries.filter { ($0.operation == "datakey-channel.hello" || $0.errorCode == "access.out_of_scope") && $0.outcome != .success }
        #expect(refused.count == 5, "\(entries.map { "\($0.operation) \($0.errorCode ?? "-")" })")
        #expect(entries.filter { $0.operation == "datakey-channel.hello" && $0.outcome == .success }.count == 1)
        #expect(entries.filter { $0.operation == "datakey-channel.frame" }.map(\.errorCode) == ["channel.invalid_frame", "channel.invalid_frame"])
    }

    @Test func aSealedCoreRefusesTheNextBatchAsUnavailable() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let token = try #require(tokens["acme"])
        let wraps = try DataKeyBatchRequest(items: [.init(value: Array(repeating: 7, count: 32)[...], context: [0, 0])]).encoded()
        try await harness.withChannel(core) { port in
            try await Self.withProbe(port: port) { probe in
                #expect(try await probe.hello(token: token)?.kind == DataKeyChannelWire.Kind.ready.rawValue)
                #expect(try await probe.send(Probe.batch(.wrap, wraps))?.kind == DataKeyChannelWire.Kind.answer.rawValue)
                await core.seal()
                let sealed = Self.refusal(try await probe.send(Probe.batch(.wrap, wraps)))
                #expect(sealed?.status == 503, "\(String(describing: sealed))")
            }
        }
    }
}
