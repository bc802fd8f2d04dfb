import ArgumentParser

/// `openkcm storage`: move a store to another backend.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage", abstract: "Move a store from one backend to another (SQLite to PostgreSQL).",
        subcommands: [StorageMigrateCommand.self])
}
