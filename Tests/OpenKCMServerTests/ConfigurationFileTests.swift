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
}
