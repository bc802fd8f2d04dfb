import ArgumentParser

/// `openkcm audit list [--from N] [--limit N]`
struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show audit entries.")

    @OptionGroup var client: ClientOptions
    @Option(help: "First sequence number.") var from: UInt64 = 1
    @Option(help: "At most this many entries (1 to 1000).") var limit: Int = 100

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/audit?from=\(from)&limit=\(limit)")
            let entries = answer["entries"] as? [[String: Any]] ?? []
            api.show(answer) {
                [["SEQ", "TIME", "IDENTITY", "OPERATION", "TENANT", "SERVICE", "OUTCOME", "COUNT", "ERROR", "CORRELATION"]] + entries.map { entry in
                    ["sequence", "time", "identity", "operation", "tenant", "service", "outcome", "count", "errorCode", "correlationID"]
                        .map { Table.text(entry[$0]) }
                }
            }
        }
    }
}
