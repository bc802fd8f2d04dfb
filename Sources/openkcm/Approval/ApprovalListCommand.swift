import ArgumentParser

/// `openkcm approval list`
struct ApprovalListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Requests you could approve, and your own.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/approvals")
            let approvals = answer["approvals"] as? [[String: Any]] ?? []
            api.show(answer) {
                [["ID", "STATE", "ACTION", "ASKED BY", "APPROVERS", "EXPIRES"]] + approvals.map { approval in
                    [approval["id"] as? String ?? "", approval["state"] as? String ?? "", approval["action"] as? String ?? "",
                     approval["initiatorName"] as? String ?? "",
                     "\(((approval["approvers"] as? [Any])?.count ?? 0) + 1)/\(approval["required"] as? Int ?? 0)",
                     approval["expiresAt"] as? String ?? ""]
                }
            }
        }
    }
}
