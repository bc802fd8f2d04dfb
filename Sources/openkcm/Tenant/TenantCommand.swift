import ArgumentParser

/// `openkcm tenant`: create, list, show, delete (governance).
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Manage tenants (governance).",
        subcommands: [TenantCreateCommand.self, TenantListCommand.self, TenantShowCommand.self, TenantDeleteCommand.self]
    )
}

enum TenantTable {
    static func rows(_ tenant: [String: Any]) -> [[String]] {
        // The governance plane's view: the L1 reference, the services with their regions, each region's state.
        if let governed = tenant["tenant"] as? [String: Any] {
            let l1 = governed["l1"] as? [String: Any]
            let services = (tenant["services"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "?")@\($0["region"] ?? "?")" }
            let regions = (tenant["regions"] as? [[String: Any]] ?? []).map { region -> (String, Any?) in
                ("region \(region["region"] ?? "?")", "\(region["state"] ?? "?")\(region["cause"].map { " (\($0))" } ?? "")")
            }
            return Table.pairs([
                ("tenant", governed["id"]),
                ("L1", l1.map { "\($0["provider"] ?? "?"):\($0["key"] ?? "?")" } ?? "unlinked"),
                ("services", services.joined(separator: ", ")),
            ] + regions + [("created", governed["createdAt"])])
        }
        let l1 = tenant["l1"] as? [String: Any] ?? [:]
        let key = tenant["tenantKey"] as? [String: Any] ?? [:]
        let versions = (key["versions"] as? [[String: Any]] ?? []).map { "v\($0["version"] ?? "?") \($0["state"] ?? "?")" }
        // Key use since the node that answered started, per service.
        let usage = (tenant["usage"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { service, value -> (String, Any?) in
            let counts = value as? [String: Any] ?? [:]
            let refusals = (counts["refusals"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \(Table.text($0.value))" }
            let text = "\(Table.text(counts["generated"])) made, \(Table.text(counts["wrapped"])) wrapped, \(Table.text(counts["unwrapped"])) unwrapped, "
                + "\(Table.text(counts["rewrapped"])) rewrapped, \(Table.text(counts["kmip"])) KMIP; refused: \(refusals.isEmpty ? "none" : refusals.joined(separator: ", "))"
                + (counts["lastUse"].map { "; last use \(Table.text($0))" } ?? "")
            return ("use of \(service)", text)
        }
        return Table.pairs([
            ("tenant", tenant["id"]),
            ("L1", "\(l1["provider"] ?? "?"):\(l1["key"] ?? "?")"),
            ("L1 linked", l1["linked"]),
            ("L2.1 current", key["currentVersion"]),
            ("L2.1 min decryption", key["minimumDecryptionVersion"]),
            ("L2.1 versions", versions.joined(separator: ", ")),
            ("created", tenant["createdAt"]),
        ] + usage)
    }
}
