import ArgumentParser
import Foundation

/// `openkcm audit list [--from N] [--limit N]`, or `--every-node [--last N]`:
/// the newest entries of every node given, merged by time.
struct AuditListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Show audit entries, of one node or of every node given merged by time.")

    @OptionGroup var client: ClientOptions
    @Option(help: "First sequence number.") var from: UInt64 = 1
    @Option(help: "At most this many entries (1 to 1000).") var limit: Int = 100
    @Flag(help: "Ask every address given (--address a,b,c) for its newest entries and merge them by time.") var everyNode = false
    @Option(help: "With --every-node: the newest this many entries of each node, and of the merge (1 to 1000).") var last: Int = 100

    static let columns = ["sequence", "time", "node", "identity", "operation", "tenant", "service", "outcome", "count", "errorCode", "correlationID"]

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var answer: [String: Any]
            if everyNode {
                var entries: [[String: Any]] = []
                for address in api.address.split(separator: ",").map(String.init) {
                    let one = RESTClient(address: address, token: api.token, output: api.output)
                    entries += try await one.call(.GET, "/v1/audit?last=\(last)")["entries"] as? [[String: Any]] ?? []
                }
                // Times are UTC ISO 8601 with milliseconds, so they sort as text; ties by node, then sequence.
                entries.sort { lhs, rhs in
                    let key = { (entry: [String: Any]) in (entry["time"] as? String ?? "", entry["node"] as? String ?? "", entry["sequence"] as? Int ?? 0) }
                    return key(lhs) < key(rhs)
                }
                answer = ["entries": Array(entries.suffix(last))]
            } else {
                answer = try await api.call(.GET, "/v1/audit?from=\(from)&limit=\(limit)")
            }
            let entries = answer["entries"] as? [[String: Any]] ?? []
            api.show(answer) {
                [["SEQ", "TIME", "NODE", "IDENTITY", "OPERATION", "TENANT", "SERVICE", "OUTCOME", "COUNT", "ERROR", "CORRELATION"]]
                    + entries.map { entry in Self.columns.map { Table.text(entry[$0]) } }
            }
        }
    }
}
