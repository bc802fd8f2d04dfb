import ArgumentParser

/// `openkcm report`: what an auditor takes away.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rotation compliance reports (root, auditor), and their offline verification.",
        subcommands: [ReportComplianceCommand.self, ReportVerifyCommand.self]
    )
}
