import ArgumentParser

/// `openkcm key policy --tenant T [--service S] [--period 90d | inherit]`: shows or sets how often a
/// tenant's L2.1 (or a service's L3) rotates on its own.
struct KeyPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set the rotation period of a tenant's L2.1 (or, with --service, a service's L3).",
        discussion: "A service without a period of its own inherits its tenant's, and a tenant without one the platform's ([rotation] period_days, 365 by default)."
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "Service id: the service's L3 instead of the tenant's L2.1.") var service: String?
    @Option(help: "Rotate after this long (1d to 2555d, e.g. 90d), or 'inherit' to clear this key's own period.") var period: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var path = "/v1/tenants/\(RESTClient.escape(tenant))"
            if let service { path += "/services/\(RESTClient.escape(service))" }
            path += "/rotation-policy"
            let answer: [String: Any]
            if let period {
                let body: [String: Any] = period == "inherit" ? [:] : ["periodSeconds": try Self.seconds(period)]
                answer = try await api.call(.PUT, path, body: body)
            } else {
                answer = try await api.call(.GET, path)
            }
            api.show(answer) {
                let own = (answer["policy"] as? [String: Any])?["periodSeconds"] as? Int
                let effective = answer["periodSeconds"] as? Int ?? 0
                return Table.pairs([
                    ("tenant", answer["tenant"]), ("service", answer["service"]),
                    ("own period", own.map { "\($0 / 86_400)d" } ?? "inherits"),
                    ("period", "\(effective / 86_400)d (\(Table.text(answer["source"])))"),
                    ("current version", answer["currentVersion"]), ("created", answer["currentCreatedAt"]), ("due", answer["dueAt"]),
                ])
            }
        }
    }

    /// `<n>d` -> seconds.
    static func seconds(_ text: String) throws -> Int {
        guard text.hasSuffix("d"), let days = Int(text.dropLast()), days > 0 else {
            throw CLIFailure("--period takes a number of days (90d), or inherit; got '\(text)'")
        }
        return days * 86_400
    }
}
