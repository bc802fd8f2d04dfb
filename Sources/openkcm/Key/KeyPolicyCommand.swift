import ArgumentParser

/// `openkcm key policy --tenant T [--service S] [--period 90d | inherit]`: shows or sets how often a
/// tenant's L2.1 (or a service's L3) rotates on its own.
struct KeyPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set the rotation period of a tenant's L2.1 (or, with --service, a service's L3).",
        discussion: "A service without a period of its own inherits its tenant's, and a tenant without one the platform's ([rotation] period_days, 365 by default). With a governance plane, set policies there: each region's core applies them and shows the due dates."
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "Service id: the service's L3 instead of the tenant's L2.1.") var service: String?
    @Option(help: "Rotate after this long (1d to 2555d, e.g. 90d), or 'inherit' to clear this key's own period.") var period: String?
    @Option(help: "The tenant's L2: a new root after this long (1d to 2555d), or 'inherit' for the platform's ([rotation] root_period_days).")
    var rootPeriod: String?
    @Option(help: "The tenant's replaced L2.1 versions stop opening data this long after (1d to 2555d) once no L3 version depends on them, or 'inherit'.")
    var decryptOnly: String?
    @Option(help: "Wraps an L3 version makes before it is replaced (1048576 to 2147483648), or 'inherit'.") var maxWraps: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var path = "/v1/tenants/\(RESTClient.escape(tenant))"
            if let service { path += "/services/\(RESTClient.escape(service))" }
            path += "/rotation-policy"
            let answer: [String: Any]
            if rootPeriod != nil || decryptOnly != nil, service != nil { throw CLIFailure("--root-period and --decrypt-only are the tenant's: leave out --service") }
            if period != nil || rootPeriod != nil || decryptOnly != nil || maxWraps != nil {
                // A PUT sets the whole policy: the field not given keeps what is set now.
                let current = (try await api.call(.GET, path))["policy"] as? [String: Any] ?? [:]
                var body = current.filter { ["periodSeconds", "rootPeriodSeconds", "decryptOnlySeconds", "maximumWraps"].contains($0.key) }
                if let period { body["periodSeconds"] = period == "inherit" ? nil : try Self.seconds(period) }
                if let rootPeriod { body["rootPeriodSeconds"] = rootPeriod == "inherit" ? nil : try Self.seconds(rootPeriod) }
                if let decryptOnly { body["decryptOnlySeconds"] = decryptOnly == "inherit" ? nil : try Self.seconds(decryptOnly) }
                if let maxWraps {
                    guard maxWraps == "inherit" || UInt64(maxWraps) != nil else { throw CLIFailure("--max-wraps takes a number of wraps, or inherit") }
                    body["maximumWraps"] = maxWraps == "inherit" ? nil : UInt64(maxWraps)
                }
                answer = try await api.call(.PUT, path, body: body)
            } else {
                answer = try await api.call(.GET, path)
            }
            api.show(answer) { Self.rows(answer) }
        }
    }

    static func days(_ value: Any?) -> String { "\((value as? Int ?? 0) / 86_400)d" }

    static func rows(_ answer: [String: Any]) -> [[String]] {
        let own = (answer["policy"] as? [String: Any])?["periodSeconds"] as? Int
        if answer["source"] as? String == "governance" {
            // The governance plane's answer: the policy it carries to the regions, whose cores say when keys are due.
            let policy = answer["policy"] as? [String: Any] ?? [:]
            let optional = { (key: String) in (policy[key] as? Int).map { "\($0 / 86_400)d" } ?? "inherits" }
            return Table.pairs([
                ("tenant", answer["tenant"]), ("service", answer["service"]), ("period", optional("periodSeconds")),
                ("L2 period", optional("rootPeriodSeconds")), ("L2.1 decrypt-only", optional("decryptOnlySeconds")),
                ("L3 wraps per version", policy["maximumWraps"] ?? "inherits"),
                ("applied in", (answer["regions"] as? [String] ?? []).joined(separator: ", ")),
            ])
        }
        var pairs: [(String, Any?)] = [
            ("tenant", answer["tenant"]), ("service", answer["service"]),
            ("own period", own.map { "\($0 / 86_400)d" } ?? "inherits"),
            ("period", days(answer["periodSeconds"]) + " (" + Table.text(answer["source"]) + ")"),
            ("current version", answer["currentVersion"]), ("created", answer["currentCreatedAt"]), ("due", answer["dueAt"]),
        ]
        if answer["rootVersion"] != nil {
            pairs.append(("L2 generation", answer["rootVersion"]))
            pairs.append(("L2 period", days(answer["rootPeriodSeconds"]) + " (" + Table.text(answer["rootSource"]) + ")"))
            pairs.append(("L2 due", answer["rootDueAt"]))
            pairs.append(("L2.1 decrypt-only", days(answer["decryptOnlySeconds"]) + " (" + Table.text(answer["decryptOnlySource"]) + ")"))
        }
        pairs.append(("L3 wraps per version", answer["maximumWraps"] ?? "the nonce budget (2147483648)"))
        return Table.pairs(pairs)
    }

    /// `<n>d` -> seconds.
    static func seconds(_ text: String) throws -> Int {
        guard text.hasSuffix("d"), let days = Int(text.dropLast()), days > 0 else {
            throw CLIFailure("a period is a number of days (90d), or inherit; got '\(text)'")
        }
        return days * 86_400
    }
}
