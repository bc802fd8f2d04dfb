import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import KMIP
import OpenKCMCore
import OpenKCMPKI
import OpenKCMServer
import OpenKCMTestSupport
import Testing
import X509

/// KMIP clients registered through the governance API, checked end to end
/// with PyKMIP over mutual TLS against a listener that has no configured
/// client CA: a certificate the server's own CA issued, and certificates of a
/// trusted external CA mapped by subject. Revoking the identity or untrusting
/// the CA shuts each out.
@Suite struct KMIPClientCertificateTests {
    @Test func issuedAndMappedClientsReachOnlyTheirOwnTenant() async throws {
        guard let python = ProcessInfo.processInfo.environment["OPENKCM_PYKMIP_PYTHON"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_PYKMIP_PYTHON"))) }
            return
        }
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        // An openssl PKI: its CA signs the listener's certificate and plays the customer's external CA ("other", "third").
        try KMIPListenerTests.makeCertificates(in: harness.directory)
        let (core, _) = try await harness.coreWithTenants(["acme", "globex"])
        let root = try await core.unsealed().identities.create(name: "root", role: .root).token
        let kmip = KMIPProbe(python: python, port: FreePort.pick(), directory: harness.directory)
        let listener = try KMIPListener(
            configuration: KMIPListenerConfiguration(port: kmip.port, certificateFile: kmip.path("server.pem"), keyFile: kmip.path("server.key")),
            operations: Operations(core: core))
        let discover = KMIPProbe.discover

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await listener.run() }
            defer { group.cancelAll() }
            try await harness.application(core).test(.router) { client in
                // Nothing trusted yet: the openssl CA's clients do not even complete TLS.
                #expect(try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["raw", discover])["connected"] as? Bool == false)
                #expect(try await client.call(.get, "/v1/kmip/client-ca", token: root).status == 404)

                // 1. acme's client: a key made here, a certificate from the server's CA (the private key is never sent).
                let key = P256.Signing.PrivateKey()
                let issued = try await client.call(.post, "/v1/kmip/clients", token: root, json: [
                    "name": "acme-db", "tenant": "acme", "service": "payments", "publicKey": key.publicKey.pemRepresentation, "days": 30,
                ])
                #expect(issued.status == 201, "\(issued.json)")
                let certificate = try Certificate.parse(pemEncoded: issued.string("certificate"))
                let authority = try Certificate.parse(pemEncoded: issued.string("caCertificate"))
                #expect(certificate.isIssued(by: authority) && authority.isCertificateAuthority)
                #expect(certificate.subject.rfc4514String == "CN=acme-db,OU=payments,O=OpenKCM tenant acme")
                #expect(try await client.call(.get, "/v1/kmip/client-ca", token: root).string("certificate") == authority.pemString)
                try (key.pemRepresentation + "\n" + issued.string("certificate") + issued.string("caCertificate"))
                    .write(toFile: kmip.path("acme-bundle.pem"), atomically: true, encoding: .utf8)
                try await Self.eventually { try await kmip.run(kmip.path("acme-bundle.pem"), kmip.path("acme-bundle.pem"), ["1.2", "create"])["uid"] != nil }
                let created = try await kmip.run(kmip.path("acme-bundle.pem"), kmip.path("acme-bundle.pem"), ["1.2", "create"])
                let uid = try #require(created["uid"] as? String, "\(created)")
                #expect(try await kmip.run(kmip.path("acme-bundle.pem"), kmip.path("acme-bundle.pem"), ["2.0", "get", uid])["outcomes"] as? [String] == ["got"])

                // 2. globex's client: the openssl CA trusted, its certificate for CN=other mapped by subject.
                let trusted = try await client.call(.post, "/v1/kmip/trusted-cas", token: root, json: [
                    "name": "customer root", "certificate": try String(contentsOfFile: kmip.path("ca.pem"), encoding: .utf8),
                ])
                #expect(trusted.status == 201 && trusted.string("subject") == "CN=OpenKCM test CA", "\(trusted.json)")
                let caID = trusted.string("id")
                let mapped = try await client.call(.post, "/v1/kmip/clients", token: root, json: [
                    "name": "globex-db", "tenant": "globex", "service": "payments", "trustedCA": caID, "subject": "CN=other",
                ])
                #expect(mapped.status == 201, "\(mapped.json)")
                try await Self.eventually { try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["1.2", "create"])["uid"] != nil }
                #expect(try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["1.2", "get", uid])["outcomes"] as? [String] == ["ITEM_NOT_FOUND"])
                // Same CA, a subject nobody mapped: TLS completes, KMIP refuses.
                #expect(try await kmip.refusal(kmip.path("third.pem"), kmip.path("third.key")) == .permissionDenied)

                // The customer renews its root (same name, a new key): the mapping stays and serves the new root's
                // client; the old root's client is shut out (two roots with one name cannot be trusted side by side).
                let renewedPKI = harness.directory.appendingPathComponent("renewed")
                try FileManager.default.createDirectory(at: renewedPKI, withIntermediateDirectories: true)
                try KMIPListenerTests.makeCertificates(in: renewedPKI)
                let renewal = try await client.call(.put, "/v1/kmip/trusted-cas/\(caID)", token: root, json: [
                    "certificate": try String(contentsOfFile: renewedPKI.appendingPathComponent("ca.pem").path, encoding: .utf8),
                ])
                #expect(renewal.status == 200 && renewal.string("id") == caID, "\(renewal.json)")
                let renewedOther = (renewedPKI.appendingPathComponent("other.pem").path, renewedPKI.appendingPathComponent("other.key").path)
                try await Self.eventually { try await kmip.run(renewedOther.0, renewedOther.1, ["1.2", "create"])["uid"] != nil }
                #expect(try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["raw", discover])["connected"] as? Bool == false,
                        "the old root's client")
                // Back to the first root for what follows.
                #expect(try await client.call(.put, "/v1/kmip/trusted-cas/\(caID)", token: root, json: [
                    "certificate": try String(contentsOfFile: kmip.path("ca.pem"), encoding: .utf8),
                ]).status == 200)
                try await Self.eventually { try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["1.2", "create"])["uid"] != nil }

                // 3. Revoking acme's identity shuts its certificate out; globex is unaffected.
                let acmeID = try #require((issued["identity"] as? [String: Any])?["id"] as? String)
                #expect(try await client.call(.delete, "/v1/identities/\(acmeID)", token: root).status == 204)
                #expect(try await kmip.refusal(kmip.path("acme-bundle.pem"), kmip.path("acme-bundle.pem")) == .permissionDenied)
                #expect(try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["1.2", "create"])["uid"] != nil)

                // 4. Untrusting the CA shuts out every subject mapped at it.
                #expect(try await client.call(.delete, "/v1/kmip/trusted-cas/\(caID)", token: root).status == 204)
                try await Self.eventually { try await kmip.run(kmip.path("other.pem"), kmip.path("other.key"), ["raw", discover])["connected"] as? Bool == false }
                let listed = try await client.call(.get, "/v1/kmip/trusted-cas", token: root)
                #expect((listed["trustedCAs"] as? [Any])?.isEmpty == true)
                // Its mapped identities were revoked with it: trusting it again brings none back.
                let identities = try await client.call(.get, "/v1/identities", token: root)["identities"] as? [[String: Any]] ?? []
                #expect(identities.first { $0["name"] as? String == "globex-db" }?["revoked"] as? Bool == true)
                let again = try await client.call(.post, "/v1/kmip/trusted-cas", token: root, json: [
                    "name": "customer root", "certificate": try String(contentsOfFile: kmip.path("ca.pem"), encoding: .utf8),
                ])
                #expect(again.status == 201 && again.string("id") == caID)
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await kmip.refusal(kmip.path("other.pem"), kmip.path("other.key")) == .permissionDenied)
            }
        }
        // Each step is in the audit log.
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        for operation in ["kmip-client.issue", "kmip-trusted-ca.add", "kmip-client.map", "kmip-trusted-ca.remove", "kmip.session"] {
            #expect(audit.contains("\"\(operation)\""), "\(operation) is not audited")
        }
    }

    /// Bad registrations are refused with a problem, and audited.
    @Test func registrationsAreChecked() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        try KMIPListenerTests.makeCertificates(in: harness.directory)
        let (core, _) = try await harness.coreWithTenants(["acme"])
        let root = try await core.unsealed().identities.create(name: "root", role: .root).token
        let key = P256.Signing.PrivateKey().publicKey.pemRepresentation
        try await harness.application(core).test(.router) { client in
            func post(_ path: String, _ body: [String: Any]) async throws -> Answer { try await client.call(.post, path, token: root, json: body) }
            let base: [String: Any] = ["name": "c", "tenant": "acme", "service": "payments"]
            var body = base
            body["publicKey"] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
            let badKey = try await post("/v1/kmip/clients", body)
            #expect(badKey.status == 400 && badKey.string("code") == "kmip_client.invalid", "\(badKey.json)")
            body["publicKey"] = key
            body["days"] = 0
            #expect(try await post("/v1/kmip/clients", body).status == 400)
            body["days"] = nil
            body["service"] = "nope"
            #expect(try await post("/v1/kmip/clients", body).status == 404)
            body["service"] = "payments"
            body["subject"] = "CN=x"
            #expect(try await post("/v1/kmip/clients", body).status == 400, "publicKey and subject together")
            // A crypto token may not register clients.
            let crypto = try await core.unsealed().identities.create(name: "app", role: .crypto, tenant: TenantID("acme"), service: ServiceID("payments")).token
            #expect(try await client.call(.post, "/v1/kmip/clients", token: crypto, json: ["name": "c", "tenant": "acme", "service": "payments", "publicKey": key]).status == 403)

            // Trusted CAs: a CA certificate, self-signed, once per subject.
            #expect(try await post("/v1/kmip/trusted-cas", ["name": "leaf", "certificate": try String(contentsOfFile: harness.directory.appendingPathComponent("client.pem").path, encoding: .utf8)]).status == 400)
            #expect(try await post("/v1/kmip/trusted-cas", ["name": "junk", "certificate": "nope"]).status == 400)
            let added = try await post("/v1/kmip/trusted-cas", ["name": "root", "certificate": try String(contentsOfFile: harness.directory.appendingPathComponent("ca.pem").path, encoding: .utf8)])
            #expect(added.status == 201)
            #expect(try await post("/v1/kmip/trusted-cas", ["name": "again", "certificate": try String(contentsOfFile: harness.directory.appendingPathComponent("ca.pem").path, encoding: .utf8)]).status == 409)
            // Mappings: a known CA, a subject that parses, one live identity per subject.
            var mapping = base
            mapping["trustedCA"] = "0123456789abcdef"
            mapping["subject"] = "CN=client"
            #expect(try await post("/v1/kmip/clients", mapping).status == 404)
            mapping["trustedCA"] = added.string("id")
            mapping["subject"] = "CN=a<b"
            #expect(try await post("/v1/kmip/clients", mapping).status == 400)
            mapping["subject"] = "cn = client"
            let first = try await post("/v1/kmip/clients", mapping)
            #expect(first.status == 201 && (first["identity"] as? [String: Any])?["certificateSubject"] as? String == "CN=client", "\(first.json)")
            #expect(try await post("/v1/kmip/clients", mapping).status == 400, "the subject is taken")
            #expect(try await client.call(.delete, "/v1/kmip/trusted-cas/nothex", token: root).status == 404)
        }
        let audit = try String(contentsOfFile: harness.auditPath, encoding: .utf8)
        #expect(audit.contains("\"kmip_client.invalid\"") || audit.contains("kmip_client.invalid"))
    }

    static func eventually(_ condition: () async throws -> Bool) async throws {
        if try await Eventually.holds(every: .milliseconds(100), condition) { return }
        Issue.record("the condition did not hold within \(Eventually.timeout)")
    }
}

/// PyKMIP's probe script against one listener, with the test PKI's CA to check the server.
struct KMIPProbe: Sendable {
    let python: String
    let port: Int
    let directory: URL

    static let discover = "42007801000000604200770100000038420069010000002042006a0200000004000000010000000042006b0200000004000000010000000042000d0200000004000000010000000042000f010000001842005c05000000040000001e000000004200790100000000"

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Runs on a dispatch queue: the probe blocks while Python talks, and the
    /// cooperative pool (two threads here) must stay free for the other tests' timers.
    func run(_ certificate: String, _ key: String, _ arguments: [String]) async throws -> [String: Any] {
        let arguments = ["127.0.0.1", "\(port)", certificate, key, path("ca.pem")] + arguments
        let python = python
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProbeAnswer, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { ProbeAnswer(json: try KMIPListenerTests.runProbe(python, arguments)) })
            }
        }
        return answer.json
    }

    /// The Result Reason of a Discover Versions answer, nil when there is no answer.
    func refusal(_ certificate: String, _ key: String) async throws -> KMIPResultReason? {
        let answer = try await run(certificate, key, ["raw", Self.discover])
        guard let hex = answer["response"] as? String else { return nil }
        let bytes = stride(from: 0, to: hex.count, by: 2).compactMap {
            UInt8(hex[hex.index(hex.startIndex, offsetBy: $0)..<hex.index(hex.startIndex, offsetBy: $0 + 2)], radix: 16)
        }
        return try KMIPResponseMessage(TTLVDecoder().decode(bytes)).batchItems.first?.resultReason
    }
}

/// A probe's JSON answer, carried across the dispatch hop.
struct ProbeAnswer: @unchecked Sendable {
    let json: [String: Any]
}
