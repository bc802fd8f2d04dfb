import ArgumentParser
import Foundation
import NIOCore
import OpenKCMServer

/// `openkcm audit verify`: exit 0 if every chain checked is intact, 2 at the
/// first bad entry (or, across a cluster, when a node's chain was not checked).
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check audit chains (hash chain, MACs, checkpoint); report the first bad entry.",
        discussion: """
            Without options, the node the request reaches checks its own log. --every-node asks each address given \
            (--address a,b,c) for its own chain; --log sends a node's whole log (its data directory or audit.log, every \
            segment) to be checked against that node's checkpoint in the store. With either, every node whose \
            checkpoint the store keeps must be accounted for: a chain not checked fails the command like a broken one.
            """)

    @OptionGroup var client: ClientOptions
    @Flag(help: "Ask every address given to check its own chain.") var everyNode = false
    @Option(name: .customLong("log"), help: "A node's data directory or audit.log, whose whole log is checked (repeatable).")
    var logs: [String] = []

    func run() async throws {
        try await runReporting {
            let api = client.client()
            guard everyNode || !logs.isEmpty else {
                let answer = try await api.call(.POST, "/v1/audit/verify")
                let intact = answer["intact"] as? Bool ?? false
                api.show(answer) {
                    intact
                        ? Table.pairs([("intact", true), ("entries", answer["entries"]), ("head", answer["headSequence"])]
                                      + (answer["node"].map { [("node", $0)] } ?? []))
                        : Table.pairs([("intact", false), ("segment", answer["firstBadSegment"]), ("first bad line", answer["firstBadLine"]),
                                       ("claimed sequence", answer["firstBadSequence"]), ("reason", answer["reason"])])
                }
                if !intact { throw ExitCode(2) }
                return
            }
            var chains: [[String: Any]] = []
            if everyNode {
                for address in api.address.split(separator: ",").map(String.init) {
                    let one = RESTClient(address: address, token: api.token, output: api.output)
                    do {
                        var answer = try await one.call(.POST, "/v1/audit/verify")
                        answer["source"] = address
                        chains.append(answer)
                    } catch {
                        chains.append(["source": address, "intact": false, "reason": "\(error)"])
                    }
                }
            }
            for log in logs {
                chains.append(try await Self.verify(log: log, api: api))
            }
            let checkpointed = Set(chains.flatMap { $0["checkpointedNodes"] as? [String] ?? [] })
            let seen = Set(chains.compactMap { $0["intact"] != nil && $0["checkpointedNodes"] != nil ? ($0["node"] as? String ?? "") : nil })
            let unchecked = checkpointed.subtracting(seen).sorted()
            let intact = chains.allSatisfy { $0["intact"] as? Bool == true } && unchecked.isEmpty
            let report: [String: Any] = ["intact": intact, "chains": chains, "unchecked": unchecked.map { $0.isEmpty ? "(single node)" : $0 }]
            api.show(report) {
                [["SOURCE", "NODE", "INTACT", "ENTRIES", "HEAD", "FIRST BAD", "REASON"]]
                    + chains.map { chain in
                        let bad = chain["firstBadSegment"].map { "\($0):\(chain["firstBadLine"] ?? "")" } ?? chain["firstBadLine"].map { "line \($0)" }
                        return [Table.text(chain["source"]), Table.text(chain["node"] ?? "-"), Table.text(chain["intact"]), Table.text(chain["entries"]),
                                Table.text(chain["headSequence"]), bad ?? "", Table.text(chain["reason"])]
                    }
                    + unchecked.map { ["-", $0.isEmpty ? "(single node)" : $0, "not checked", "", "", "", "its checkpoint is in the store; give its address or --log"] }
            }
            if !intact { throw ExitCode(2) }
        }
    }

    /// Sends a node's whole log; names the bad entry's segment file and line when the chain is broken.
    static func verify(log: String, api: RESTClient) async throws -> [String: Any] {
        var isDirectory: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: log, isDirectory: &isDirectory) && isDirectory.boolValue ? log + "/audit.log" : log
        let segments = AuditLogFile.segmentsOfLog(at: path)
        let bytes = segments.flatMap(\.contents)
        guard !bytes.isEmpty else { throw CLIFailure("no audit log at \(path)") }
        let data = try await api.exchange(.POST, "/v1/audit/verify", body: Data(bytes), contentType: "application/octet-stream", limit: 1 << 20, timeout: .minutes(10))
        var answer = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        answer["source"] = log
        // The server counts lines across the segments sent one after another: back to a file and a line in it.
        if var line = answer["firstBadLine"] as? Int {
            for segment in segments {
                let lines = segment.contents.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                if line <= lines || segment.name == segments.last?.name {
                    answer["firstBadSegment"] = segment.name
                    answer["firstBadLine"] = line
                    break
                }
                line -= lines
            }
        }
        return answer
    }
}
