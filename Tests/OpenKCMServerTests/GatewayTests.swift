import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMClient
import OpenKCMCore
import OpenKCMGateway
import OpenKCMServer
import OpenKCMTestSupport
import Synchronization
import Testing

/// Core + gateway + SDK in one process, over real HTTP: records through
/// three tenants' gateways, batching, the unwrap cache, the kill switch
/// reaching the edge within 1 s, and a destroyed service purged from the cache.
/// Runs in scripts/test's serial phase (`SERIAL_SUITES`): its time bounds are latency
/// promises, measured where no other suite loads the machine.
@Suite struct GatewayTests {
    /// A gateway's local listener on a free port, and its event follower, for the duration of `body`.
    static func withGateway<T: Sendable>(_ configuration: GatewayConfiguration, _ body: @Sendable (Gateway, String) async throws -> T) async throws -> T {
        let gateway = Gateway(configuration: configuration)
        let app = Application(router: gateway.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            let follower = Task { await gateway.followEvents() }
            defer { follower.cancel() }
            for _ in 0..<200 where !gateway.isFollowingEvents { try await Task.sleep(for: .milliseconds(10)) }
            #expect(gateway.isFollowingEvents, "the gateway did not connect to the core's event stream")
            return try await body(gateway, "http://127.0.0.1:\(try #require(client.port))")
        }
    }

    /// Run twice: the gateways' batches over the core's REST batch routes (the
    /// default, with the acceptance's 10,000 records), and over its data-key
    /// channel (3,000, so that the two runs together do not starve the suite's timed tests).
    @Test(arguments: [false, true]) func recordsThroughGatewaysTheKillSwitchAndShredding(overChannel: Bool) async throws {
        let recordCount = overChannel ? 3_000 : 10_000
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, appTokens) = try await harness.coreWithTenants(["acme", "globex", "initech"])
        let unsealed = try core.unsealed()
        try await harness.withChannel(core) { channelPort in
        try await harness.application(core).test(.live) { client in
            let coreURL = "http://127.0.0.1:\(try #require(client.port))"
            @Sendable func configuration(_ name: String) -> GatewayConfiguration {
                var configuration = GatewayConfiguration(coreURL: coreURL, tenant: name, service: "payments", token: appTokens[name]!)
                if overChannel { configuration.coreChannel = CoreChannelConfiguration(host: "127.0.0.1", port: channelPort) }
                return configuration
            }
            try await Self.withGateway(configuration("acme")) { acmeGateway, acmeURL in
                try await Self.withGateway(configuration("globex")) { globexGateway, globexURL in
                    try await Self.withGateway(configuration("initech")) { _, initechURL in
                        let urls = ["acme": acmeURL, "globex": globexURL, "initech": initechURL]
                        var encryptors: [String: EnvelopeEncryptor] = [:]
                        for (name, url) in urls {
                            encryptors[name] = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: url, tenant: name, service: "payments", token: appTokens[name]!),
                                                                 reuse: DataKeyReuse(maximumMessages: 10))
                        }
                        let sealed = encryptors
                        // 10,000 records (or 3,000) across the three tenants, 64 at a time.
                        let records = try await withThrowingTaskGroup(of: [(String, Int, [UInt8])].self) { group in
                            for lane in 0..<64 {
                                group.addTask {
                                    var made: [(String, Int, [UInt8])] = []
                                    for index in stride(from: lane, to: recordCount, by: 64) {
                                        let name = ["acme", "globex", "initech"][index % 3]
                                        made.append((name, index, try await sealed[name]!.encrypt(Array("record \(index)".utf8), context: ["row": "\(index)"])))
                                    }
                                    return made
                                }
                            }
                            var all: [(String, Int, [UInt8])] = []
                            for try await made in group { all += made }
                            return all
                        }
                        #expect(records.count == recordCount)

                        // A stream through the gateway: it opens whole, and fails cut short or with two chunks swapped.
                        let big = (0..<(300 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                        var writer = try await sealed["acme"]!.streamEncryptor(context: ["file": "f"], chunkSize: 64 * 1024)
                        let stream = try writer.update(big) + (try writer.finish())
                        func open(_ bytes: [UInt8]) async throws -> [UInt8] {
                            var reader = try await sealed["acme"]!.streamDecryptor(header: Array(bytes.prefix(200)), context: ["file": "f"])
                            return try reader.update(bytes) + (try reader.finish())
                        }
                        #expect(try await open(stream) == big)
                        let header = stream.count - big.count - 5 * 16
                        let chunk = 64 * 1024 + 16
                        await #expect(throws: OpenKCMClientError.authenticationFailed) { _ = try await open(Array(stream.prefix(header + 2 * chunk))) }
                        let swapped = Array(stream.prefix(header)) + Array(stream[(header + chunk)..<(header + 2 * chunk)])
                            + Array(stream[header..<(header + chunk)]) + Array(stream[(header + 2 * chunk)...])
                        await #expect(throws: OpenKCMClientError.authenticationFailed) { _ = try await open(swapped) }
                        let opened = try await withThrowingTaskGroup(of: Int.self) { group in
                            for lane in 0..<64 {
                                group.addTask {
                                    var good = 0
                                    for (name, index, record) in records[lane...].enumerated().filter({ $0.offset % 64 == 0 }).map(\.element) {
                                        if try await sealed[name]!.decrypt(record, context: ["row": "\(index)"]) == Array("record \(index)".utf8) { good += 1 }
                                    }
                                    return good
                                }
                            }
                            return try await group.reduce(0, +)
                        }
                        #expect(opened == recordCount)
                        let metrics = acmeGateway.metricsText
                        #expect(metrics.contains("openkcm_gateway_cache_hits_total"), "\(metrics.prefix(300))")
                        #expect(acmeGateway.cachedKeys > 0)

                        // Moved to another tenant, or another context: refused.
                        let acmeRecord = records.first { $0.0 == "acme" }!
                        await #expect(throws: OpenKCMClientError.self) { try await sealed["globex"]!.decrypt(acmeRecord.2, context: ["row": "\(acmeRecord.1)"]) }
                        await #expect(throws: OpenKCMClientError.self) { try await sealed["acme"]!.decrypt(acmeRecord.2, context: ["row": "x"]) }

                        // The kill switch at the edge: acme decrypts in a loop (from the gateway's cache) while its L1 is unlinked.
                        let unlinked = Mutex<ContinuousClock.Instant?>(nil)
                        let looping = Task { () -> Duration? in
                            while !Task.isCancelled {
                                do {
                                    _ = try await sealed["acme"]!.decrypt(acmeRecord.2, context: ["row": "\(acmeRecord.1)"])
                                } catch {
                                    if let start = unlinked.withLock({ $0 }) { return ContinuousClock.now - start }
                                }
                                try? await Task.sleep(for: .milliseconds(2))
                            }
                            return nil
                        }
                        try await Task.sleep(for: .milliseconds(200))
                        unlinked.withLock { $0 = .now }
                        try await unsealed.keyChain.unlinkL1(tenant("acme"))
                        let timer = Task { try await Task.sleep(for: .seconds(3)); looping.cancel() }
                        let refusedAfter = await looping.value
                        timer.cancel()
                        let elapsed = try #require(refusedAfter, "acme still decrypted 3 s after its L1 was unlinked")
                        print("kill switch at the edge: first refusal through the gateway \(elapsed) after the unlink")
                        #expect(elapsed < .seconds(1))
                        #expect(acmeGateway.cachedKeys == 0)
                        let globexRecord = records.first { $0.0 == "globex" }!
                        #expect(try await sealed["globex"]!.decrypt(globexRecord.2, context: ["row": "\(globexRecord.1)"]) == Array("record \(globexRecord.1)".utf8))

                        // Crypto-shredding a service: its records never open again, not even from the gateway's cache.
                        #expect(globexGateway.cachedKeys > 0)
                        try await unsealed.keyChain.destroyService(service("payments"), tenant: tenant("globex"))
                        try await Eventually.holds(every: .milliseconds(10)) { globexGateway.cachedKeys == 0 }
                        #expect(globexGateway.cachedKeys == 0)
                        await #expect(throws: OpenKCMClientError.self) { try await sealed["globex"]!.decrypt(globexRecord.2, context: ["row": "\(globexRecord.1)"]) }
                        let initechRecord = records.first { $0.0 == "initech" }!
                        #expect(try await sealed["initech"]!.decrypt(initechRecord.2, context: ["row": "\(initechRecord.1)"]) == Array("record \(initechRecord.1)".utf8))

                        // Revoking one record's L4: a second initech gateway, both with the key cached; revoked through
                        // the first, the record opens through neither, while initech's other records do.
                        try await Self.withGateway(configuration("initech")) { secondGateway, secondURL in
                            let first = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: initechURL, tenant: "initech", service: "payments",
                                                                                    token: appTokens["initech"]!), reuse: .never)
                            let second = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: secondURL, tenant: "initech", service: "payments",
                                                                                     token: appTokens["initech"]!), reuse: .never)
                            let doomed = try await first.encrypt(Array("shred me".utf8), context: ["row": "doomed"])
                            #expect(try await first.decrypt(doomed, context: ["row": "doomed"]) == Array("shred me".utf8))
                            #expect(try await second.decrypt(doomed, context: ["row": "doomed"]) == Array("shred me".utf8))
                            #expect(secondGateway.cachedKeys > 0)
                            try await first.revoke(doomed)
                            try await Eventually.holds(every: .milliseconds(10)) { secondGateway.cachedKeys == 0 }
                            for encryptor in [first, second] {
                                do {
                                    _ = try await encryptor.decrypt(doomed, context: ["row": "doomed"])
                                    Issue.record("a revoked data key opened")
                                } catch let error as OpenKCMClientError {
                                    guard case .refused(let code, let status, _) = error else { Issue.record("\(error)"); continue }
                                    #expect(code == "datakey.revoked" && status == 410, "\(error)")
                                }
                            }
                            #expect(try await second.decrypt(initechRecord.2, context: ["row": "\(initechRecord.1)"]) == Array("record \(initechRecord.1)".utf8))
                        }
                        // Over the channel, a few connections carried every batch; over REST, none was opened.
                        let connections = acmeGateway.metricsText.split(separator: "\n").first { $0.hasPrefix("openkcm_gateway_core_channel_connections_total ") }
                            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
                        #expect(overChannel ? (1...8).contains(connections) : connections == 0, "\(connections) channel connections")
                    }
                }
            }
        }
        }
    }
}

/// A gateway on a Unix domain socket, reached by the SDK.
@Suite struct GatewaySocketTests {
    @Test func theSDKReachesAGatewayOnAUnixSocket() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let token = try #require(tokens["acme"])
        let socket = harness.directory.appendingPathComponent("gateway.sock").path
        try await harness.application(core).test(.live) { client in
            let configuration = GatewayConfiguration(coreURL: "http://127.0.0.1:\(try #require(client.port))", tenant: "acme", service: "payments",
                                                     token: token, socketPath: socket)
            let service = Task { try await GatewayService(gateway: Gateway(configuration: configuration)).run() }
            defer { service.cancel() }
            try await Eventually.holds(every: .milliseconds(10)) { FileManager.default.fileExists(atPath: socket) }
            let encryptor = EnvelopeEncryptor(source: RESTDataKeySource(unixSocket: socket, tenant: "acme", service: "payments", token: token))
            let record = try await encryptor.encrypt(Array("over a socket".utf8), context: ["k": "v"])
            #expect(try await encryptor.decrypt(record, context: ["k": "v"]) == Array("over a socket".utf8))
            let stranger = EnvelopeEncryptor(source: RESTDataKeySource(unixSocket: socket, tenant: "acme", service: "payments", token: "okcm.wrong.token"))
            await #expect(throws: OpenKCMClientError.refused(code: "auth.unauthenticated", status: 401, detail: "a valid bearer token is required")) {
                try await stranger.decrypt(record, context: ["k": "v"])
            }
        }
    }
}
