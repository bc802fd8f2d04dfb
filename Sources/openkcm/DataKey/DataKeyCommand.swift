import ArgumentParser

/// `openkcm datakey ...`: generate (the default, so `openkcm datakey --tenant T --service S` still works) or revoke.
struct DataKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datakey", abstract: "Data keys (L4): generate one (the default), or revoke one.",
        subcommands: [DataKeyGenerateCommand.self, DataKeyRevokeCommand.self], defaultSubcommand: DataKeyGenerateCommand.self)
}
