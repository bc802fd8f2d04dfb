import ArgumentParser
import Foundation

/// `openkcm identity create NAME --role R [--tenant T --service S] [--certificate-file PEM]`
struct IdentityCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an identity and print its token once. Crypto identities need --tenant and --service.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "A name for the identity.") var name: String
    @Option(help: "root, governance, crypto, auditor, or core (a regional core at the governance plane: needs --region).") var role: String
    @Option(help: "Tenant a crypto identity is bound to, or the one tenant a governance identity governs.") var tenant: String?
    @Option(help: "Service a crypto identity is bound to.") var service: String?
    @Option(help: "The region a core identity reads (role core only).") var region: String?
    @Option(name: .customLong("certificate-file"), help: "A KMIP client's TLS certificate (PEM): the client is this identity on the KMIP listener.")
    var certificateFile: String?
    @Option(help: "How long the token works, renewable before then: 90s, 30m, 24h, 90d, or none. Default: 24h for root, governance and auditor, none for crypto and core.")
    var ttl: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var body: [String: Any] = ["name": name, "role": role]
            if let tenant { body["tenant"] = tenant }
            if let service { body["service"] = service }
            if let region { body["region"] = region }
            if let ttl { body["ttlSeconds"] = try Self.seconds(ttl) }
            if let certificateFile {
                guard let pem = try? String(contentsOfFile: certificateFile, encoding: .utf8) else { throw CLIFailure("cannot read \(certificateFile)") }
                body["certificate"] = pem
            }
            let answer = try await api.call(.POST, "/v1/identities", body: body)
            let identity = answer["identity"] as? [String: Any] ?? [:]
            api.show(answer) {
                Table.pairs([("id", identity["id"]), ("name", identity["name"]), ("role", identity["role"]),
                             ("tenant", identity["tenant"]), ("service", identity["service"]), ("region", identity["region"]),
                             ("certificate", identity["certificateFingerprint"]), ("expires", identity["expiresAt"] ?? "never"),
                             ("token", answer["token"])])
            }
        }
    }

    /// `none` -> 0; `<n>s`, `<n>m`, `<n>h`, `<n>d` -> seconds.
    static func seconds(_ text: String) throws -> Int {
        if text == "none" { return 0 }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count > 0 else {
            throw CLIFailure("--ttl takes a number with s, m, h or d (24h, 90d), or none; got '\(text)'")
        }
        return count * unit
    }
}
