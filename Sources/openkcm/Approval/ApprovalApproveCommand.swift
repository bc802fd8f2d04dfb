import ArgumentParser

/// `openkcm approval approve ID`
struct ApprovalApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a request; the last approval needed runs it, as the identity that asked.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "The request's id.") var id: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/approvals/\(RESTClient.escape(id))/approve")
            let approval = answer["approval"] as? [String: Any] ?? [:]
            api.show(answer) {
                [["FIELD", "VALUE"], ["id", approval["id"] as? String ?? ""], ["action", approval["action"] as? String ?? ""],
                 ["state", approval["state"] as? String ?? ""], ["approvers", (approval["approvers"] as? [String] ?? []).joined(separator: ", ")]]
                    + ((approval["failure"] as? String).map { [["failure", $0]] } ?? [])
            }
            if approval["state"] as? String == "failed" { throw CLIFailure("the approved act failed: \(approval["failure"] as? String ?? "?")") }
        }
    }
}
