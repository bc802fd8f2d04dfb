import ArgumentParser

/// `openkcm approval`: requests waiting for four-eyes approvals.
struct ApprovalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approval",
        abstract: "List, approve or reject requests waiting for approvals (four-eyes, [approvals] in the server's configuration).",
        subcommands: [ApprovalListCommand.self, ApprovalApproveCommand.self, ApprovalRejectCommand.self])
}
