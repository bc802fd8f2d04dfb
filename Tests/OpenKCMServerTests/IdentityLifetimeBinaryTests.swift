import Foundation
import OpenKCMCore
import OpenKCMTestSupport
import Testing

/// Tokens that end, through the real binary: people's identities get 24 hours
/// unless said otherwise, services' 90 days, `--ttl none` is the
/// explicit never, and `openkcm identity renew` moves one's own expiry.
/// (Expiry itself, with a clock the test holds: `IdentityLifetimeTests`.)
@Suite struct IdentityLifetimeBinaryTests {
    @Test func lifetimesAreSetAtCreationAndRenewedByTheirHolder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-lifetime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port, root, _, _) = try await GatewayBinaryTests.devCore(in: directory)
        defer { EndToEndTests.stop(server) }
        func create(_ arguments: [String]) async throws -> [String: Any] {
            let run = try await EndToEndTests.openkcmOffPool(["identity", "create"] + arguments + ["--output", "json"], port: port, token: root)
            #expect(run.status == 0, "\(run.stderr)")
            return EndToEndTests.json(run.stdout)
        }
        func expiry(_ answer: [String: Any]) -> Date? {
            ((answer["identity"] as? [String: Any])?["expiresAt"] as? String).flatMap { Timestamp.parse($0) }
        }
        let ops = try await create(["ops", "--role", "governance"])
        let day = try #require(expiry(ops), "a governance identity expires by default: \(ops)")
        #expect(abs(day.timeIntervalSinceNow - 86_400) < 600)
        #expect(expiry(try await create(["forever", "--role", "auditor", "--ttl", "none"])) == nil)
        let service = try #require(expiry(try await create(["app", "--role", "crypto", "--tenant", "acme", "--service", "payments"])), "a service's token expires by default")
        #expect(abs(service.timeIntervalSinceNow - 90 * 86_400) < 600)
        #expect(expiry(try await create(["app2", "--role", "crypto", "--tenant", "acme", "--service", "payments", "--ttl", "none"])) == nil)
        let short = try await create(["short", "--role", "auditor", "--ttl", "2h"])
        #expect(abs((try #require(expiry(short))).timeIntervalSinceNow - 7200) < 600)
        let refused = try await EndToEndTests.openkcmOffPool(["identity", "create", "x", "--role", "auditor", "--ttl", "30s"], port: port, token: root)
        #expect(refused.status != 0 && refused.stderr.contains("access.invalid_scope"), "\(refused.stderr)")

        // The holder renews its own token; one without an expiry has nothing to renew.
        let token = try #require(short["token"] as? String)
        let renewed = try await EndToEndTests.openkcmOffPool(["identity", "renew", "--output", "json"], port: port, token: token)
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(expiry(EndToEndTests.json(renewed.stdout)) != nil)
        let never = try #require((try await create(["never", "--role", "auditor", "--ttl", "none"]))["token"] as? String)
        let nothing = try await EndToEndTests.openkcmOffPool(["identity", "renew"], port: port, token: never)
        #expect(nothing.stderr.contains("access.not_renewable"), "\(nothing.stderr)")

        // The initial root token can be revoked once another root identity exists.
        let initialID = try #require(EndToEndTests.json(try await EndToEndTests.openkcmOffPool(["login", "--output", "json"], port: port, token: nil,
            stdin: root + "\n", environment: ["OPENKCM_TOKEN_FILE": directory.appendingPathComponent("root-token").path]).stdout)["id"] as? String)
        let second = try #require((try await create(["second-root", "--role", "root"]))["token"] as? String)
        #expect(try await EndToEndTests.openkcmOffPool(["identity", "revoke", initialID], port: port, token: second).status == 0)
        #expect(try await EndToEndTests.openkcmOffPool(["identity", "list"], port: port, token: root).stderr.contains("access.unauthenticated"))
        #expect(try await EndToEndTests.openkcmOffPool(["identity", "list"], port: port, token: second).status == 0)
    }
}
