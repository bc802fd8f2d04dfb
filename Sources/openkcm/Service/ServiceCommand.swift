import ArgumentParser

/// `openkcm service`: L3 service keys (governance).
struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Manage a tenant's services and their L3 keys.",
        subcommands: [ServiceCreateCommand.self, ServiceListCommand.self, ServiceShowCommand.self,
                      ServiceRotateCommand.self, ServiceDeactivateCommand.self, ServiceDeleteCommand.self]
    )
}

enum ServiceTable {
    static func rows(_ service: [String: Any]) -> [[String]] {
        let key = service["serviceKey"] as? [String: Any] ?? [:]
        let versions = (key["versions"] as? [[String: Any]] ?? []).map { "v\($0["version"] ?? "?") \($0["state"] ?? "?") (L2.1 v\($0["wrappedBy"] ?? "?"))" }
        return Table.pairs([
            ("tenant", service["tenant"]), ("service", service["id"]),
            ("L3 current", key["currentVersion"]), ("L3 min decryption", key["minimumDecryptionVersion"]),
            ("L3 versions", versions.joined(separator: ", ")), ("created", service["createdAt"]),
        ])
    }
}

/// `--tenant T SERVICE`, shared by the service commands.
struct ServiceTarget: ParsableArguments {
    @Option(help: "Tenant id.") var tenant: String
    @Argument(help: "Service id.") var service: String

    var path: String { "/v1/tenants/\(RESTClient.escape(tenant))/services/\(RESTClient.escape(service))" }
}
