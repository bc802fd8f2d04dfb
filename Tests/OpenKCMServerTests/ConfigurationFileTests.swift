import Foundation
import Testing
import OpenKCMServer
import OpenKCMApp

@Suite struct ConfigurationFileTests {
    @Test func theSupportedSubsetParses() throws {
        let file = try ConfigurationFile(parsing: """
            # OpenKCM
            [server]
            address = "0.0.0.0:8200"   # listen everywhere
            data_dir = "/var/lib/openkcm#1"
            audit_sync = "every-request"
            """)
        #expect(try file.string("server.address") == "0.0.0.0:8200")
        #expect(try file.string("server.data_dir") == "/var/lib/openkcm#1")
        #expect(try file.string("server.audit_sync") == "every-request")
        #expect(try ConfigurationFile(parsing: "").values.isEmpty)
    }

    @Test(arguments: [
        "[server]\nadress = \"x\"",            // typo: unknown key
        "address = \"x\"",                       // outside its section
        "[server]\naddress = x",                 // unquoted string
        "[server]\naddress \"x\"",               // no equals
        "[server\naddress = \"x\"",              // broken header
        "[server]\naddress = \"a\"\naddress = \"b\"",  // set twice
        "[server]\naddress = \"a\\\"b\"",        // escapes unsupported
        "[oidc]\nissuers = \"x\"",                // typo in [oidc]
        "[oidc.role]\nkms = \"auditor\"",         // [oidc.roles] misspelt
    ])
    func mistakesAreRefusedWithTheirLine(text: String) {
        #expect(throws: ConfigurationError.self) { try ConfigurationFile(parsing: text) }
    }

    @Test func aWrongTypeIsRefused() throws {
        let file = try ConfigurationFile(parsing: "[server]\naddress = 8200")
        #expect(throws: ConfigurationError.wrongType("server.address", expected: "a string")) { try file.string("server.address") }
    }

    @Test func oidcRolesAreATableOfClaimValues() throws {
        let file = try ConfigurationFile(parsing: """
            [oidc]
            issuer = "https://login.acme.example/realms/acme"
            audience = "openkcm"

            [oidc.roles]
            kms-governance-acme = "governance:acme"
            kms_auditors = "auditor"
            """)
        #expect(try file.oidcRoles() == ["kms-governance-acme": "governance:acme", "kms_auditors": "auditor"])
        #expect(try file.string("oidc.issuer") == "https://login.acme.example/realms/acme")
    }

    @Test func approvalsAndRotationSections() throws {
        let file = try ConfigurationFile(parsing: """
            [approvals]
            required = 2

            [approvals.tenants]
            acme = 3

            [rotation]
            period_days = 90
            interval_seconds = 30
            enabled = true
            """)
        #expect(try file.approvalTenants() == ["acme": 3])
        #expect(try file.integer("rotation.period_days") == 90 && file.integer("rotation.interval_seconds") == 30)
        #expect(try file.boolean("rotation.enabled") == true)
        #expect(throws: ConfigurationError.self) { try ConfigurationFile(parsing: "[rotation]\nperiod = 90\n") }
    }

    /// `[audit.syslog]` goes over TLS only and `[audit.webhook]` over HTTPS unless to loopback: a SIEM stream
    /// that would carry audit entries in the clear does not start.
    @Test func auditStreamsRefuseTheClear() throws {
        let noCA = try ConfigurationFile(parsing: "[audit.syslog]\naddress = \"siem.internal:6514\"\n")
        #expect(throws: ConfigurationError.self) { _ = try AuditStreamSettings.syslog(noCA) }
        let stray = try ConfigurationFile(parsing: "[audit.syslog]\nhostname = \"kcm\"\n")
        #expect(throws: ConfigurationError.self) { _ = try AuditStreamSettings.syslog(stray) }
        let badPort = try ConfigurationFile(parsing: "[audit.syslog]\naddress = \"siem.internal\"\nca_file = \"/nonexistent\"\n")
        #expect(throws: ConfigurationError.self) { _ = try AuditStreamSettings.syslog(badPort) }
        let plain = try ConfigurationFile(parsing: "[audit.webhook]\nurl = \"http://siem.internal/audit\"\n")
        #expect(throws: ConfigurationError.self) { _ = try AuditStreamSettings.webhook(plain, node: "a") }
        let loopback = try ConfigurationFile(parsing: "[audit.webhook]\nurl = \"http://127.0.0.1:9000/audit\"\nbatch_size = 50\n")
        let webhook = try #require(try AuditStreamSettings.webhook(loopback, node: "a"))
        #expect(webhook.batchSize == 50 && webhook.url.port == 9000)
        #expect(try AuditStreamSettings.syslog(try ConfigurationFile(parsing: "")) == nil)
    }
}
