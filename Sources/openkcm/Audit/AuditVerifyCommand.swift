import ArgumentParser

/// `openkcm audit verify`: exit 0 if the chain is intact, 2 at the first bad entry.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the audit log's hash chain and MACs; report the first bad entry.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/audit/verify")
            let intact = answer["intact"] as? Bool ?? false
            api.show(answer) {
                intact
                    ? Table.pairs([("intact", true), ("entries", answer["entries"]), ("head", answer["headSequence"])])
                    : Table.pairs([("intact", false), ("segment", answer["firstBadSegment"]), ("first bad line", answer["firstBadLine"]),
                                   ("claimed sequence", answer["firstBadSequence"]), ("reason", answer["reason"])])
            }
            if !intact { throw ExitCode(2) }
        }
    }
}
