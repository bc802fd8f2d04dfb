import ArgumentParser
import Foundation

/// `openkcm operator unseal`: one share per call, read from stdin so it never sits in shell history.
struct OperatorUnsealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unseal",
        abstract: "Give one unseal share (read from standard input) and show progress."
    )

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
                throw CLIFailure("no share on standard input (echo SHARE | openkcm operator unseal)")
            }
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/unseal", body: ["share": line])
            api.show(status) { SealStatusTable.rows(status) }
        }
    }
}

enum SealStatusTable {
    static func rows(_ status: [String: Any]) -> [[String]] {
        Table.pairs([
            ("initialized", status["initialized"]), ("sealed", status["sealed"]), ("seal", status["kind"]),
        ] + (status["node"].map { [("node", $0)] } ?? [])
          + (status["peers"].map { [("nodes up", ($0 as? [String])?.joined(separator: ", ") ?? "\($0)")] } ?? [])
          + (status["duties"].map { [("duties", ($0 as? [String]).map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "\($0)")] } ?? []) + [
            ("threshold", status["threshold"]), ("shares", status["shares"]), ("progress", status["progress"]),
        ] + (status["autoUnsealError"].map { [("auto-unseal error", $0)] } ?? [])
          + (status["auditError"].map { [("audit error", $0)] } ?? []))
    }
}
