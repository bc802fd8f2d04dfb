import ArgumentParser
import OpenKCMApp

/// `openkcm backup`: take, check and restore backups of the whole store.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Take, verify and restore backups of the whole store.",
        subcommands: [BackupCreateCommand.self, BackupVerifyCommand.self, BackupRestoreCommand.self])
}
