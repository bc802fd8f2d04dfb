import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import OpenKCMClient
import OpenKCMCore
import OpenKCMGateway
import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// The SDK moving stored data off an L3 version: records and stored data
/// keys rewrapped as a stream, in order, each item counted by the version it
/// left; straight to the core, and through a gateway over REST and over the
/// data-key channel (where a rewrap is a batch like a wrap).
@Suite struct SDKRewrapTests {
    enum Path: CaseIterable { case core, gatewayOverREST, gatewayOverChannel }

    @Test(arguments: Path.allCases) func storedRecordsAndDataKeysMoveToTheCurrentVersion(path: Path) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, appTokens) = try await harness.coreWithTenants(["acme"])
        let token = try #require(appTokens["acme"])
        let unsealed = try core.unsealed()
        try await harness.withChannel(core) { channelPort in
            try await harness.application(core).test(.live) { client in
                let coreURL = "http://127.0.0.1:\(try #require(client.port))"
                @Sendable func run(_ url: String) async throws {
                    let encryptor = EnvelopeEncryptor(source: RESTDataKeySource(baseURL: url, tenant: "acme", service: "payments", token: token),
                                                      reuse: DataKeyReuse(maximumMessages: 7))
                    // 120 records under L3 v1 (one bound to a subject), and 80 data keys stored on their own.
                    var records: [RewrapRequest] = []
                    for index in 0..<120 {
                        let subject = index == 5 ? "user-5" : nil
                        let record = try await encryptor.encrypt(Array("row \(index)".utf8), context: ["row": "\(index)"], subject: subject)
                        records.append(RewrapRequest(record, context: ["row": "\(index)"], subject: subject))
                    }
                    var keys: [SymmetricKey] = []
                    var blobs: [RewrapRequest] = []
                    for index in 0..<80 {
                        let key = SymmetricKey(size: .bits256)
                        keys.append(key)
                        blobs.append(RewrapRequest(try await encryptor.source.wrap(key, context: ["blob": "\(index)"]), context: ["blob": "\(index)"]))
                    }
                    // One stored record is damaged, and one blob is given the wrong context: they fail alone.
                    records[17].bytes[records[17].bytes.count - 1] ^= 1
                    blobs[33].context = ["blob": "other"]

                    let version = try await unsealed.keyChain.rotateServiceKey(try ServiceID("payments"), tenant: try TenantID("acme"))
                    #expect(version == 2)

                    var tally = RewrapTally()
                    var moved: [RewrapResult] = []
                    for try await result in encryptor.rewrap(records: Self.sequence(records), concurrency: 8) {
                        tally.count(result)
                        moved.append(result)
                    }
                    #expect(moved.map(\.index) == Array(0..<120))
                    #expect(tally.moved == [1: 119] && tally.stillDependent == [1: 1], "\(tally)")
                    #expect(moved.allSatisfy { $0.index == 17 || ($0.fromVersion == 1 && $0.toVersion == 2) })
                    for result in moved where result.index != 17 {
                        let request = records[result.index]
                        let plaintext = try await encryptor.decrypt(try result.outcome.get(), context: request.context, subject: request.subject)
                        #expect(plaintext == Array("row \(result.index)".utf8))
                    }
                    guard case .failure(.authenticationFailed) = moved[17].outcome else { Issue.record("\(moved[17].outcome)"); return }

                    tally = RewrapTally()
                    var rewrapped: [RewrapResult] = []
                    for try await result in encryptor.rewrap(dataKeys: Self.sequence(blobs), concurrency: 16) {
                        tally.count(result)
                        rewrapped.append(result)
                    }
                    #expect(rewrapped.map(\.index) == Array(0..<80))
                    #expect(tally.rewrapped == 79 && tally.stillDependent == [1: 1], "\(tally)")
                    for result in rewrapped where result.index != 33 {
                        #expect(result.toVersion == 2)
                        let key = try await encryptor.source.unwrap(try result.outcome.get(), context: ["blob": "\(result.index)"])
                        #expect(key == keys[result.index])
                    }
                    guard case .failure(.refused(let code, 400, _)) = rewrapped[33].outcome else { Issue.record("\(rewrapped[33].outcome)"); return }
                    #expect(code == "envelope.authentication_failed")
                }
                switch path {
                case .core:
                    try await run(coreURL)
                case .gatewayOverREST, .gatewayOverChannel:
                    var configuration = GatewayConfiguration(coreURL: coreURL, tenant: "acme", service: "payments", token: token)
                    if path == .gatewayOverChannel { configuration.coreChannel = CoreChannelConfiguration(host: "127.0.0.1", port: channelPort) }
                    try await GatewayTests.withGateway(configuration) { _, url in try await run(url) }
                }
            }
        }
        // Every rewrap is audited (a gateway's batch as one entry with its count), the refusal too;
        // the damaged record was refused when opened, before its key was rewrapped.
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        let rewraps = entries.filter { $0.operation == "datakey.rewrap" }
        #expect(rewraps.filter { $0.outcome == .success }.reduce(0) { $0 + Int($1.count ?? 1) } == 119 + 79)
        #expect(rewraps.filter { $0.outcome != .success }.reduce(0) { $0 + Int($1.count ?? 1) } == 1)
    }

    /// The core's own answer names both versions, so a caller without the SDK counts too.
    @Test func theCoresRewrapAnswerNamesBothVersions() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, appTokens) = try await harness.coreWithTenants(["acme"])
        let token = try #require(appTokens["acme"])
        try await harness.application(core).test(.router) { client in
            let made = try await client.execute(uri: "/v1/tenants/acme/services/payments/datakey", method: .post,
                                                headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: "{}"))
            let wrapped = try #require(try JSONSerialization.jsonObject(with: Data(made.body.readableBytesView)) as? [String: Any])["wrapped"] as? String
            _ = try await core.unsealed().keyChain.rotateServiceKey(try ServiceID("payments"), tenant: try TenantID("acme"))
            let body = #"{"items":[{"wrapped":"\#(try #require(wrapped))"},{"wrapped":"AAAA"}]}"#
            let answer = try await client.execute(uri: "/v1/tenants/acme/services/payments/rewrap/batch", method: .post,
                                                  headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: ByteBuffer(string: body))
            let results = try #require((try JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any])?["results"] as? [[String: Any]])
            #expect(results.count == 2)
            #expect(results[0]["fromServiceKeyVersion"] as? Int == 1 && results[0]["serviceKeyVersion"] as? Int == 2, "\(results[0])")
            #expect(results[1]["error"] != nil)
        }
    }

    static func sequence(_ items: [RewrapRequest]) -> AsyncStream<RewrapRequest> {
        AsyncStream { continuation in
            for item in items { continuation.yield(item) }
            continuation.finish()
        }
    }
}
