import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMClient
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// The SDK against the real core over REST: records and streams for three
/// tenants, a record moved to another tenant or context refused, the kill
/// switch reaching the SDK, transient failures retried and refusals not.
@Suite struct ClientSDKTests {
    @Test func aServiceTokenIsRenewedThroughTheSDK() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, appTokens) = try await harness.coreWithTenants(["acme"])
        let (_, token) = try await core.unsealed().identities.create(
            name: "short", role: .crypto, tenant: try TenantID("acme"), service: try ServiceID("payments"), lifetime: .seconds(3600))
        try await harness.application(core).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let expiry = try await RESTDataKeySource(baseURL: base, tenant: "acme", service: "payments", token: token).renewToken()
            #expect(abs(expiry.timeIntervalSinceNow - 3600) < 120)
            // A token made without expiry has nothing to renew: the loop ends with the core's refusal.
            let forever = RESTDataKeySource(baseURL: base, tenant: "acme", service: "payments", token: try #require(appTokens["acme"]))
            guard case .refused(let code, _, _)? = await forever.keepTokenRenewed() else {
                Issue.record("keepTokenRenewed did not end with the refusal")
                return
            }
            #expect(code == "access.not_renewable")
        }
    }

    @Test func recordsAndStreamsThroughTheCore() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, appTokens) = try await harness.coreWithTenants(["acme", "globex", "initech"])
        let unsealed = try core.unsealed()
        try await harness.application(core).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            var encryptors: [String: EnvelopeEncryptor] = [:]
            for (name, token) in appTokens {
                encryptors[name] = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: base, tenant: name, service: "payments", token: token),
                                                     reuse: DataKeyReuse(maximumMessages: 50))
            }
            // 300 records per tenant, each with its own context, through reused data keys.
            var records: [(tenant: String, context: [String: String], plaintext: [UInt8], record: [UInt8])] = []
            for index in 0..<300 {
                for name in ["acme", "globex", "initech"] {
                    let context = ["record": "\(index % 3)", "tenant": name]
                    let plaintext = Array("\(name) record \(index)".utf8)
                    records.append((name, context, plaintext, try await encryptors[name]!.encrypt(plaintext, context: context)))
                }
            }
            for item in records {
                #expect(try await encryptors[item.tenant]!.decrypt(item.record, context: item.context) == item.plaintext)
            }
            // Moved to another tenant, or opened with another context: refused by the core.
            let sample = records[0]
            await #expect(throws: OpenKCMClientError.self) { try await encryptors["globex"]!.decrypt(sample.record, context: sample.context) }
            await #expect(throws: OpenKCMClientError.self) { try await encryptors["acme"]!.decrypt(sample.record, context: ["record": "9", "tenant": "acme"]) }

            // A stream of 3 MiB in 64 KiB chunks, and the same stream cut short.
            let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var writer = try await encryptors["acme"]!.streamEncryptor(context: ["file": "ledger"])
            var stream = try writer.update(big[..<1_000_000]) + (try writer.update(big[1_000_000...]))
            stream += try writer.finish()
            var reader = try await encryptors["acme"]!.streamDecryptor(header: Array(stream.prefix(200)), context: ["file": "ledger"])
            #expect(try reader.update(stream) + (try reader.finish()) == big)
            var cut = try await encryptors["acme"]!.streamDecryptor(header: Array(stream.prefix(200)), context: ["file": "ledger"])
            _ = try cut.update(stream.prefix(6 + 85 + 20 + 10 * (65_536 + 16)))
            #expect(throws: OpenKCMClientError.authenticationFailed) { try cut.finish() }

            // The kill switch: once acme's L1 is unlinked, its records no longer open; the others do.
            try await unsealed.keyChain.unlinkL1(tenant("acme"))
            do {
                _ = try await encryptors["acme"]!.decrypt(sample.record, context: sample.context)
                Issue.record("a locked tenant's record opened")
            } catch let error as OpenKCMClientError {
                guard case .refused(let code, let status, _) = error else { Issue.record("\(error)"); return }
                #expect(code == "keychain.tenant_locked" && status == 423, "\(error)")
            }
            let other = records[1]
            #expect(try await encryptors[other.tenant]!.decrypt(other.record, context: other.context) == other.plaintext)
        }
    }

    @Test func transientFailuresAreRetriedAndRefusalsAreNot() async throws {
        // A local HTTP endpoint that answers 503 twice, then as the core would; and one that always answers 401.
        let calls = CallCounter()
        let router = Router()
        router.post("/v1/tenants/:tenant/services/:service/wrap") { _, _ -> Response in
            if calls.next() <= 2 { return Response(status: .serviceUnavailable) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"wrapped":"AAEC"}"#)))
        }
        router.post("/v1/tenants/:tenant/services/:service/unwrap") { _, _ -> Response in
            calls.refusals.withLock { $0 += 1 }
            return Response(status: .unauthorized, headers: [.contentType: "application/problem+json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"code":"auth.unauthenticated","detail":"bad token","status":401}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let source = RESTDataKeySource(baseURL: "http://127.0.0.1:\(try #require(client.port))", tenant: "acme", service: "payments", token: "t",
                                           retry: .init(attempts: 4, firstDelay: .milliseconds(5)))
            #expect(try await source.wrap(.init(size: .bits256), context: [:]) == [0, 1, 2])
            #expect(calls.count.withLock { $0 } == 3)
            await #expect(throws: OpenKCMClientError.refused(code: "auth.unauthenticated", status: 401, detail: "bad token")) {
                _ = try await source.unwrap([1, 2, 3], context: [:])
            }
            #expect(calls.refusals.withLock { $0 } == 1)
        }
        // Nobody listening: unavailable after the retries.
        let nowhere = RESTDataKeySource(baseURL: "http://127.0.0.1:1", tenant: "acme", service: "payments", token: "t",
                                        retry: .init(attempts: 2, firstDelay: .milliseconds(1)))
        await #expect(throws: OpenKCMClientError.self) { _ = try await nowhere.wrap(.init(size: .bits256), context: [:]) }
    }
}

import Crypto
import NIOCore
import Synchronization

final class CallCounter: Sendable {
    let count = Mutex(0)
    let refusals = Mutex(0)
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
}
