import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import OpenKCMTestSupport
import Testing

/// People sign in with the customer's identity provider, against the real
/// binary and a real OpenID Connect provider (oidc-provider-mock, started by
/// `scripts/test`): its ID tokens are bearer tokens, its `groups` claim maps
/// to roles and tenant scopes, `openkcm login` keeps the token, and every bad
/// token is refused with its reason in the audit log. A second provider
/// plays a stranger's. `OIDCAuthenticatorTests` checks each claim on its own.
@Suite struct OIDCSignInBinaryTests {
    /// A signed-in user's ID token from `provider` for `client`, through the authorization-code flow (the provider's sign-in form posted as `sub`).
    static func idToken(_ provider: String, _ sub: String, client: String = "openkcm") throws -> String {
        let redirect = "http://127.0.0.1/callback"
        let location = try curl(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", "-X", "POST",
                                 "\(provider)/oauth2/authorize?client_id=\(client)&redirect_uri=\(redirect)&response_type=code&scope=openid%20email",
                                 "--data-urlencode", "sub=\(sub)"])
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value, "no code in '\(location)'")
        let answer = try curl(["-s", "-X", "POST", "\(provider)/oauth2/token", "-d", "grant_type=authorization_code", "-d", "code=\(code)",
                               "-d", "redirect_uri=\(redirect)", "-d", "client_id=\(client)", "-d", "client_secret=unused"])
        return try #require(EndToEndTests.json(answer)["id_token"] as? String, "no id_token in \(answer)")
    }

    /// Sets a user's claims at the provider.
    static func setUser(_ provider: String, _ sub: String, _ claims: [String: Any]) throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: claims), as: UTF8.self)
        _ = try curl(["-sf", "-X", "PUT", "\(provider)/users/\(sub)", "-H", "Content-Type: application/json", "-d", body])
    }

    static func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown) }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func peopleSignInWithTheirProviderAndBadTokensAreRefusedAndAudited() async throws {
        guard let provider = ProcessInfo.processInfo.environment["OPENKCM_OIDC_URL"],
              let stranger = ProcessInfo.processInfo.environment["OPENKCM_OIDC_STRANGER_URL"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_OIDC_URL"))) }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-oidc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        for (sub, groups) in [("alice", ["kms-governance-acme"]), ("bob", ["kms-auditors"]), ("carol", ["kms-users"]), ("dave", ["kms-platform"])] {
            try Self.setUser(provider, sub, ["groups": groups, "email": "\(sub)@acme.example"])
        }
        try Self.setUser(stranger, "alice", ["groups": ["kms-platform"]])
        try """
            [oidc]
            issuer = "\(provider)"
            audience = "openkcm"
            roles_claim = "groups"

            [oidc.roles]
            kms-governance-acme = "governance:acme"
            kms-auditors = "auditor"
            kms-platform = "governance"
            """.write(toFile: path("openkcm.toml"), atomically: true, encoding: .utf8)
        let port = FreePort.pick()
        let log = directory.appendingPathComponent("server.log")
        let (server, root) = try await GatewayBinaryTests.devServer(port: port, configuration: path("openkcm.toml"), log: log)
        defer { EndToEndTests.stop(server) }
        func cli(_ arguments: [String], _ token: String?, stdin: String? = nil, environment: [String: String] = [:]) async throws -> EndToEndTests.Run {
            try await EndToEndTests.openkcmOffPool(arguments, port: port, token: token, stdin: stdin, environment: environment)
        }
        for tenant in ["acme", "globex"] {
            #expect(try await cli(["tenant", "create", tenant, "--l1-provider", "software", "--l1-key", "dev-l1"], root).status == 0)
        }

        // alice signs in: governance of acme only. The token is kept 0600 and used by later commands.
        let tokenFile = ["OPENKCM_TOKEN_FILE": path("alice/token")]
        let login = try await cli(["login", "--output", "json"], nil, stdin: try Self.idToken(provider, "alice") + "\n", environment: tokenFile)
        #expect(login.status == 0, "\(login.stderr)")
        let who = EndToEndTests.json(login.stdout)
        #expect(who["role"] as? String == "governance" && who["tenant"] as? String == "acme" && who["name"] as? String == "alice@acme.example", "\(who)")
        let mode = try FileManager.default.attributesOfItem(atPath: path("alice/token"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let aliceID = try #require(who["id"] as? String)
        #expect(try await cli(["tenant", "show", "acme"], nil, environment: tokenFile).status == 0)
        #expect(try await cli(["service", "create", "--tenant", "acme", "payments"], nil, environment: tokenFile).status == 0)
        for refused in [["tenant", "show", "globex"], ["service", "create", "--tenant", "globex", "payments"], ["tenant", "list"],
                        ["tenant", "create", "initech", "--l1-provider", "software", "--l1-key", "dev-l1"]] {
            let run = try await cli(refused, nil, environment: tokenFile)
            #expect(run.status != 0 && run.stderr.contains("access.out_of_scope"), "\(refused): \(run.stderr)")
        }
        let identityCreate = try await cli(["identity", "create", "x", "--role", "auditor"], nil, environment: tokenFile)
        #expect(identityCreate.stderr.contains("access.forbidden"), "\(identityCreate.stderr)")
        // bob audits; dave operates the platform.
        let bob = try Self.idToken(provider, "bob")
        #expect(try await cli(["audit", "list", "--limit", "5"], bob).status == 0)
        #expect(try await cli(["tenant", "show", "acme"], bob).stderr.contains("access.forbidden"))
        let dave = try Self.idToken(provider, "dave")
        #expect(try await cli(["tenant", "list"], dave).status == 0)

        // Refused, each for its reason, and nothing kept by a refused login.
        let carol = try await cli(["login"], nil, stdin: try Self.idToken(provider, "carol"), environment: ["OPENKCM_TOKEN_FILE": path("carol/token")])
        #expect(carol.status != 0 && carol.stderr.contains("access.oidc_no_role"), "\(carol.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path("carol/token")))
        let aliceToken = try Self.idToken(provider, "alice")
        let parts = aliceToken.split(separator: ".").map(String.init)
        func header(_ json: String) -> String { Data(json.utf8).base64URL }
        let refusals: [(String, String, String)] = [
            ("another client's token", try Self.idToken(provider, "alice", client: "other-app"), "access.oidc_audience"),
            ("the stranger provider's token", try Self.idToken(stranger, "alice"), "access.oidc_signature"),
            ("alice's claims under another signature", "\(parts[0]).\(try Self.idToken(stranger, "alice").split(separator: ".")[1]).\(parts[2])", "access.oidc_signature"),
            ("alg none", "\(header(#"{"alg":"none","typ":"JWT"}"#)).\(parts[1]).", "access.oidc_algorithm"),
            ("a kid the provider does not have", "\(header(#"{"alg":"RS256","typ":"JWT","kid":"not-the-providers"}"#)).\(parts[1]).\(parts[2])", "access.oidc_unknown_key"),
        ]
        for (what, token, code) in refusals {
            let run = try await cli(["tenant", "show", "acme"], token)
            #expect(run.status != 0 && run.stderr.contains(code), "\(what): \(run.stderr)")
        }

        let audit = try await cli(["audit", "list", "--limit", "1000", "--output", "json"], root)
        let entries = (EndToEndTests.json(audit.stdout)["entries"] as? [[String: Any]]) ?? []
        for code in ["access.oidc_no_role", "access.oidc_audience", "access.oidc_signature", "access.oidc_algorithm", "access.oidc_unknown_key",
                     "access.out_of_scope", "access.forbidden"] {
            #expect(entries.contains { $0["errorCode"] as? String == code }, "\(code) is not in the audit log")
        }
        #expect(entries.contains { $0["identity"] as? String == aliceID && $0["operation"] as? String == "service.create" && $0["outcome"] as? String == "success" },
                "alice's change is audited under her identity")
    }

    /// A sign-in configuration that could not work stops the server at start, with the reason.
    @Test(arguments: [
        ("issuer = \"http://idp.example.com\"\naudience = \"openkcm\"\n[oidc.roles]\nx = \"auditor\"", "https"),
        ("issuer = \"https://idp.example.com\"\n[oidc.roles]\nx = \"auditor\"", "audience"),
        ("issuer = \"https://idp.example.com\"\naudience = \"openkcm\"\n[oidc.roles]\nx = \"root\"", "governance"),
        ("issuer = \"https://idp.example.com\"\naudience = \"openkcm\"", "maps no claim value"),
        ("audience = \"openkcm\"", "issuer"),
        ("issuer = \"https://idp.example.com\"\naudience = \"openkcm\"\nleeway_seconds = 3600\n[oidc.roles]\nx = \"auditor\"", "leeway"),
    ])
    func aBadSignInConfigurationStopsTheServer(configuration: String, reason: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-oidc-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("openkcm.toml")
        try "[oidc]\n\(configuration)\n".write(to: config, atomically: true, encoding: .utf8)
        let log = directory.appendingPathComponent("server.log")
        let server = try GatewayBinaryTests.launch(["server", "--dev", "--address", "127.0.0.1:\(FreePort.pick())", "--config", config.path], output: log)
        defer { EndToEndTests.stop(server) }
        let deadline = Date().addingTimeInterval(60)
        while server.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!server.isRunning, "the server started with a sign-in configuration that cannot work")
        guard !server.isRunning else { return }
        #expect(server.terminationStatus != 0)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains(reason), "\(text)")
    }

    /// `openkcm login --issuer --client-id`: the device authorization flow (RFC 8628). oidc-provider-mock has no
    /// device endpoint, so a fake in this process plays that part, in RFC 8628's wire format (form posts, the
    /// `authorization_pending` answer), and hands out an ID token the real provider issued: the server checks it
    /// against the real provider as always. A provider without a device endpoint is told apart.
    @Test func theDeviceFlowSignsInAndAProviderWithoutOneIsToldApart() async throws {
        guard let provider = ProcessInfo.processInfo.environment["OPENKCM_OIDC_URL"] else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_OIDC_URL"))) }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-device-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.setUser(provider, "erin", ["groups": ["kms-auditors"]])
        let idToken = try Self.idToken(provider, "erin")
        try """
            [oidc]
            issuer = "\(provider)"
            audience = "openkcm"

            [oidc.roles]
            kms-auditors = "auditor"
            """.write(to: directory.appendingPathComponent("openkcm.toml"), atomically: true, encoding: .utf8)
        let port = FreePort.pick()
        let (server, _) = try await GatewayBinaryTests.devServer(port: port, configuration: directory.appendingPathComponent("openkcm.toml").path,
                                                                log: directory.appendingPathComponent("server.log"))
        defer { EndToEndTests.stop(server) }

        let polls = Mutex(0)
        let base = Mutex("")
        let router = Router()
        router.get("/.well-known/openid-configuration") { _, _ in
            let url = base.withLock { $0 }
            return Self.json(["issuer": url, "device_authorization_endpoint": url + "/device", "token_endpoint": url + "/token"])
        }
        router.post("/device") { request, _ in
            let form = String(buffer: try await request.body.collect(upTo: 4096))
            guard form.contains("client_id=openkcm"), form.contains("scope=openid") else { return Self.json(["error": "invalid_request"], status: .badRequest) }
            return Self.json(["device_code": "device-1", "user_code": "WDJB-MJHT", "verification_uri": base.withLock { $0 } + "/activate",
                              "expires_in": 120, "interval": 1])
        }
        router.post("/token") { request, _ in
            let form = String(buffer: try await request.body.collect(upTo: 4096))
            guard form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"), form.contains("device_code=device-1"),
                  form.contains("client_id=openkcm") else { return Self.json(["error": "invalid_grant"], status: .badRequest) }
            // The person has not signed in yet on the first poll.
            if polls.withLock({ $0 += 1; return $0 }) == 1 { return Self.json(["error": "authorization_pending"], status: .badRequest) }
            return Self.json(["id_token": idToken, "access_token": "opaque", "token_type": "Bearer"])
        }
        let fake = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await fake.test(.live) { client in
            let url = "http://127.0.0.1:\(try #require(client.port))"
            base.withLock { $0 = url }
            let tokenFile = ["OPENKCM_TOKEN_FILE": directory.appendingPathComponent("erin-token").path]
            let login = try await EndToEndTests.openkcmOffPool(["login", "--issuer", url, "--client-id", "openkcm", "--output", "json"],
                                                               port: port, token: nil, environment: tokenFile)
            #expect(login.status == 0, "\(login.stderr)")
            #expect(login.stderr.contains("WDJB-MJHT") && login.stderr.contains("/activate"), "\(login.stderr)")
            #expect(EndToEndTests.json(login.stdout)["role"] as? String == "auditor", "\(login.stdout)")
            #expect(polls.withLock { $0 } == 2, "polled until the sign-in finished")
            #expect(try await EndToEndTests.openkcmOffPool(["audit", "list", "--limit", "3"], port: port, token: nil, environment: tokenFile).status == 0)
        }
        // The real provider offers no device flow: the CLI says so and points at pasting.
        let none = try await EndToEndTests.openkcmOffPool(["login", "--issuer", provider, "--client-id", "openkcm"], port: port, token: nil,
                                                          environment: ["OPENKCM_TOKEN_FILE": directory.appendingPathComponent("none").path])
        #expect(none.status != 0 && none.stderr.contains("no device authorization flow"), "\(none.stderr)")
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
