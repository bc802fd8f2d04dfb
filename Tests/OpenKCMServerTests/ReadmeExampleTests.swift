import Foundation
import HummingbirdTesting
import OpenKCMClient
import OpenKCMCore
import OpenKCMGateway
import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// The Swift example in the README, compiled and run through a gateway in front of a live core.
/// Keep the body of `example` identical to the README's code block.
@Suite struct ReadmeExampleTests {
    static func example(address: String, token: String, in directory: URL) async throws -> [UInt8] {
        // The README's relative file names, here in the test's own directory.
        let ledger = directory.appendingPathComponent("ledger.csv").path
        let sealedLedger = directory.appendingPathComponent("ledger.csv.okcm").path
        try Data("id,amount\n1,10\n".utf8).write(to: URL(fileURLWithPath: ledger))
        // --- README ---
        let source = RESTDataKeySource(baseURL: address, tenant: "acme", service: "payments", token: token)
        let encryptor = EnvelopeEncryptor(source: source)
        let context = ["customer": "42", "table": "cards"]
        let record = try await encryptor.encrypt(Array("4242 4242 4242 4242".utf8), context: context)
        let card = try await encryptor.decrypt(record, context: context)   // the same context, or it is refused
        try await encryptor.encryptFile(at: ledger, to: sealedLedger, context: ["file": "ledger"])
        // --- end ---
        return card
    }

    @Test func theReadmeExampleRuns() async throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let body = source.components(separatedBy: "// --- README ---\n")[1].components(separatedBy: "        // --- end ---")[0]
        for line in body.split(separator: "\n") {
            let code = line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "address", with: "\"http://127.0.0.1:8300\"")
                .replacingOccurrences(of: "sealedLedger", with: "\"ledger.csv.okcm\"").replacingOccurrences(of: "ledger,", with: "\"ledger.csv\",")
            #expect(readme.contains(code), "the README lacks: \(code)")
        }

        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, tokens) = try await harness.coreWithTenants(["acme"])
        let token = try #require(tokens["acme"])
        let directory = harness.directory
        // Through a local gateway, as the README says.
        let card = try await harness.application(core).test(.live) { client in
            let configuration = GatewayConfiguration(coreURL: "http://127.0.0.1:\(try #require(client.port))", tenant: "acme", service: "payments", token: token)
            return try await GatewayTests.withGateway(configuration) { _, gatewayURL in
                try await Self.example(address: gatewayURL, token: token, in: directory)
            }
        }
        #expect(card == Array("4242 4242 4242 4242".utf8))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("ledger.csv.okcm").path))
    }
}
