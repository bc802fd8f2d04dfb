import ArgumentParser

/// `openkcm operator`: init, unseal, seal, status.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Initialise, unseal and seal the server.",
        subcommands: [OperatorInitCommand.self, OperatorUnsealCommand.self, OperatorSealCommand.self, OperatorStatusCommand.self,
                      OperatorDecryptShareCommand.self]
    )
}
