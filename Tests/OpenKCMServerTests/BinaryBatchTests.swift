import Crypto
import DataKeyWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpenKCMCore
import OpenKCMServer
import Testing

/// The gateway's binary batch at the core: the same operations, refusals and
/// audit as the JSON batch, and blobs that either form can open.
@Suite struct BinaryBatchTests {
    private static let wire = HTTPFields([HTTPField(name: .contentType, value: DataKeyBatchWire.mediaType)])

    private func post(_ client: some TestClientProtocol, _ path: String, token: String, body: [UInt8]) async throws -> (status: Int, type: String?, body: [UInt8]) {
        var headers = Self.wire
        headers[.authorization] = "Bearer \(token)"
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (Int(response.status.code), response.headers[.contentType], Array(response.body.readableBytesView))
        }
    }

    @Test func wrapAndUnwrapInTheBinaryFormWithPerItemProblemsAndAudit() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let app = try #require(tokens["acme"])
        let key = (0..<32).map { UInt8($0) }
        let context = try DataKeyBatchWire.canonicalContext(["record": "42", "table": "orders"])
        // "table" before "record": a context with two encodings is refused, not reordered.
        let unsorted: [UInt8] = [0, 2, 0, 5] + Array("table".utf8) + [0, 1, 0x78] + [0, 6] + Array("record".utf8) + [0, 1, 0x79]
        try await harness.application(core).test(.router) { client async throws in
            let wraps = try DataKeyBatchRequest(items: [
                .init(value: key[...], context: context[...]),
                .init(value: key[..<16], context: context[...]),
                .init(value: key[...], context: unsorted[...]),
            ]).encoded()
            let wrapped = try await post(client, "/v1/tenants/acme/services/payments/wrap/batch", token: app, body: wraps)
            #expect(wrapped.status == 200)
            #expect(wrapped.type == DataKeyBatchWire.mediaType)
            let outcomes = try DataKeyBatchAnswer(decoding: wrapped.body).outcomes
            guard outcomes.count == 3, case .value(let blob) = outcomes[0] else { Issue.record("\(outcomes)"); return }
            guard case .problem(400, "envelope.invalid_key_length", _) = outcomes[1] else { Issue.record("\(outcomes[1])"); return }
            guard case .problem(400, "envelope.invalid_context", _) = outcomes[2] else { Issue.record("\(outcomes[2])"); return }

            let unwraps = try DataKeyBatchRequest(items: [
                .init(value: blob, context: context[...]),
                .init(value: blob, context: try DataKeyBatchWire.canonicalContext(["record": "43", "table": "orders"])[...]),
            ]).encoded()
            let opened = try await post(client, "/v1/tenants/acme/services/payments/unwrap/batch", token: app, body: unwraps)
            let answers = try DataKeyBatchAnswer(decoding: opened.body).outcomes
            #expect(answers.first == .value(key[...]))
            guard answers.count == 2, case .problem(400, "envelope.authentication_failed", _) = answers[1] else { Issue.record("\(answers)"); return }

            // A blob wrapped in the binary form opens through the JSON API, with the same context.
            let json = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: app,
                                             json: ["wrapped": Data(blob).base64EncodedString(), "context": ["table": "orders", "record": "42"]])
            #expect(json.string("plaintext") == Data(key).base64EncodedString())

            // Another service's token cannot use this scope, in this form either.
            let other = try await post(client, "/v1/tenants/acme/services/audit/wrap/batch", token: app, body: wraps)
            #expect(other.status == 403 || other.status == 404)

            // Five wraps that all succeed are one audit entry with count 5.
            let five = try DataKeyBatchRequest(items: Array(repeating: .init(value: key[...], context: context[...]), count: 5)).encoded()
            let answer = try await post(client, "/v1/tenants/acme/services/payments/wrap/batch", token: app, body: five)
            let blobs = try DataKeyBatchAnswer(decoding: answer.body).outcomes
            #expect(blobs.count == 5 && Set(blobs.map { "\($0)" }).count == 5, "each wrap has its own nonce")
        }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        let wrapEntries = entries.filter { $0.operation == "datakey.wrap" }
        // In the request's order, whatever made each item fail.
        #expect(wrapEntries.map(\.outcome) == [.success, .refused, .refused, .refused, .success])
        #expect(wrapEntries.map(\.errorCode) == [nil, "envelope.invalid_key_length", "envelope.invalid_context", "access.out_of_scope", nil])
        #expect(wrapEntries.map(\.count) == [nil, nil, nil, nil, 5])
        #expect(entries.filter { $0.operation == "datakey.unwrap" }.map(\.outcome) == [.success, .refused, .success])
    }

    @Test func aMalformedBinaryBatchIsAProblemAndAudited() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let app = try #require(tokens["acme"])
        let good = try DataKeyBatchRequest(items: [.init(value: [UInt8](repeating: 7, count: 32)[...], context: [0, 0])]).encoded()
        try await harness.application(core).test(.router) { client async throws in
            for (body, code) in [(Array(good.dropLast()), "request.invalid_batch"), (good + [0], "request.invalid_batch"),
                                 (Array("OKB1".utf8) + [0, 0], "request.batch_size"), (Array("{\"items\":[]}".utf8), "request.invalid_batch")] {
                let answer = try await post(client, "/v1/tenants/acme/services/payments/wrap/batch", token: app, body: body)
                #expect(answer.status == 400)
                #expect(answer.type == "application/problem+json")
                let problem = (try JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any]
                #expect(problem?["code"] as? String == code)
            }
            let datakeys = try await post(client, "/v1/tenants/acme/services/payments/datakey/batch", token: app, body: good)
            #expect(datakeys.status == 415)
        }
        let entries = try AuditLogFormat.lines(Array(try Data(contentsOf: URL(fileURLWithPath: harness.auditPath)))).map { try AuditLogFormat.entry($0) }
        #expect(entries.filter { $0.errorCode == "request.invalid_batch" }.count == 3)
        #expect(entries.filter { $0.errorCode == "request.batch_size" }.count == 1)
        #expect(entries.filter { $0.errorCode == "request.unsupported_media_type" }.count == 1)
    }
}
