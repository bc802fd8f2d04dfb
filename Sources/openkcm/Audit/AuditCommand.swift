import ArgumentParser

/// `openkcm audit`: read and verify the audit log (auditor, root).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the audit log.", subcommands: [AuditListCommand.self, AuditVerifyCommand.self])
}
