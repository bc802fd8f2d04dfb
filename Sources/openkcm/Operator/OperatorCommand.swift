import ArgumentParser

/// `openkcm operator`: init, unseal, seal, status; barrier key rotation, rekey and generate-root.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Initialise, unseal and seal the server; rotate its barrier key, replace its shares, make a root token from them.",
        subcommands: [OperatorInitCommand.self, OperatorUnsealCommand.self, OperatorSealCommand.self, OperatorStatusCommand.self,
                      OperatorDecryptShareCommand.self, OperatorRotateCommand.self, OperatorKeyStatusCommand.self, OperatorRekeyCommand.self,
                      OperatorGenerateRootCommand.self]
    )
}
