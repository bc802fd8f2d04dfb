import Foundation
import Hummingbird
import HummingbirdTesting
@testable import OpenKCMCore
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

/// Issue 21's compliance report, with a clock the test holds and the schedule
/// not running: an overdue key shows in the report (JSON, CSV, signed) and in
/// `/metrics`; a tenant whose L1 is unlinked shows its kill switch pulled; the
/// signed export verifies offline, and a changed byte does not.
@Suite struct ComplianceReportTests {
    @Test func anOverdueKeyShowsInTheReportAndInMetrics() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let clock = HeldClock()
        let core = try await ServerCore(backend: harness.storage, keystores: harness.keystores, auditLog: AuditLogFile(path: harness.auditPath),
                                        clock: clock.reading)
        let root = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        let keyChain = try core.unsealed().keyChain
        let (acme, globex) = (try TenantID("acme"), try TenantID("globex"))
        try await keyChain.createTenant(acme, l1: harness.l1.reference)
        try await keyChain.createService(ServiceID("payments"), tenant: acme)
        try await keyChain.createService(ServiceID("ledger"), tenant: acme)
        try await keyChain.setServiceRotationPolicy(ServiceID("payments"), tenant: acme, RotationPolicy(periodSeconds: 86_400))
        try await keyChain.createTenant(globex, l1: harness.l1.reference)
        try await keyChain.unlinkL1(globex)
        let auditor = try await core.unsealed().identities.create(name: "auditor", role: .auditor).token
        let app = try await core.unsealed().identities.create(name: "app", role: .crypto, tenant: acme, service: ServiceID("payments")).token
        clock.advance(2 * 86_400)

        try await harness.application(core).test(.router) { client async throws in
            let report = try await client.call(.get, "/v1/reports/compliance", token: auditor)
            #expect(report.status == 200)
            let tenants = try #require(report["tenants"] as? [[String: Any]])
            let acmeKeys = try #require(tenants.first { $0["tenant"] as? String == "acme" }?["keys"] as? [[String: Any]])
            let payments = try #require(acmeKeys.first { $0["service"] as? String == "payments" })
            #expect(payments["overdue"] as? Bool == true && payments["source"] as? String == "own" && payments["periodSeconds"] as? Int == 86_400)
            #expect(payments["ageSeconds"] as? Int == 2 * 86_400)
            #expect(acmeKeys.filter { $0["overdue"] as? Bool == true }.count == 1, "the ledger and the L2.1 are within the platform's 365 days")
            let globexEntry = try #require(tenants.first { $0["tenant"] as? String == "globex" })
            #expect(globexEntry["l1Status"] as? String == "unlinked" && globexEntry["killSwitchReady"] as? Bool == false)
            #expect((report["summary"] as? [String: Any])?["overdue"] as? Int == 1)
            #expect(try await client.call(.get, "/v1/reports/compliance", token: app).status == 403)

            let csv = try await client.execute(uri: "/v1/reports/compliance?format=csv", method: .get, headers: [.authorization: "Bearer \(root)"]) {
                String(buffer: $0.body)
            }
            let lines = csv.split(separator: "\r\n")
            #expect(lines.count == 1 + 4 && lines[0].hasPrefix("tenant,service,layer"), "\(csv)")
            #expect(lines.contains { $0.hasPrefix("acme,payments,L3,1,active,") && $0.contains(",1,own,") && $0.contains(",true,") }, "\(csv)")

            let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains("openkcm_keys_overdue{layer=\"L3\"} 1") && metrics.contains("openkcm_keys_overdue{layer=\"L2.1\"} 0"), "\(metrics)")

            // The signed export: verifies offline against the key the server publishes; one changed byte does not.
            let signedAnswer = try await client.execute(uri: "/v1/reports/compliance?format=signed", method: .get,
                                                        headers: [.authorization: "Bearer \(auditor)"]) { Data(String(buffer: $0.body).utf8) }
            let signed = try JSONDecoder().decode(SignedReport.self, from: signedAnswer)
            let published = try await client.call(.get, "/v1/reports/signing-key", token: root)
            let fingerprint = published.string("keyFingerprint")
            let payload = try signed.verified(expectedFingerprint: fingerprint)
            #expect(String(decoding: payload, as: UTF8.self).contains("\"overdue\":true"))
            var changed = signed
            var bytes = try #require(Data(base64Encoded: signed.payload))
            bytes[bytes.count / 2] ^= 1
            changed.payload = bytes.base64EncodedString()
            #expect(throws: SignedReport.VerificationError.badSignature) { try changed.verified(expectedFingerprint: fingerprint) }
            #expect(throws: SignedReport.VerificationError.self) { try signed.verified(expectedFingerprint: String(repeating: "0", count: 64)) }
            // The same key signs every report: made once, kept sealed.
            let again = try await client.call(.get, "/v1/reports/signing-key", token: auditor)
            #expect(again.string("keyFingerprint") == fingerprint)
        }
    }
}
