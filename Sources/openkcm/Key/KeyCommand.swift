import ArgumentParser

/// `openkcm key`: the tenant's L2.1 versions (governance).
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Rotate, roll back, compromise and retire key versions; set how often keys rotate on their own.",
        subcommands: [KeyRotateCommand.self, KeyRollbackCommand.self, KeyMinVersionCommand.self, KeyPolicyCommand.self, KeyCompromiseCommand.self, KeyCloseCommand.self, KeyRotateRootCommand.self]
    )
}
