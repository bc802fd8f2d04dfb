import ArgumentParser

/// `openkcm approval reject ID`
struct ApprovalRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a request (or withdraw your own).")
    @OptionGroup var client: ClientOptions
    @Argument(help: "The request's id.") var id: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/approvals/\(RESTClient.escape(id))/reject")
            let approval = answer["approval"] as? [String: Any] ?? [:]
            api.show(answer) { [["FIELD", "VALUE"], ["id", approval["id"] as? String ?? ""], ["state", approval["state"] as? String ?? ""]] }
        }
    }
}
