import ArgumentParser

/// `openkcm`: one binary for the server and the operator CLI.
@main
struct OpenKCMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openkcm",
        abstract: "OpenKCM: sovereign, multi-tenant key management.",
        discussion: "Client commands talk to the server at $OPENKCM_ADDR with the token in $OPENKCM_TOKEN.",
        subcommands: [
            ServerCommand.self, GatewayCommand.self, OperatorCommand.self, TenantCommand.self, L1Command.self, KeyCommand.self,
            ServiceCommand.self, IdentityCommand.self, KMIPCommand.self, DataKeyCommand.self, WrapCommand.self, UnwrapCommand.self,
            RewrapCommand.self, JobCommand.self, SubjectCommand.self, AuditCommand.self, BackupCommand.self, StorageCommand.self, LoginCommand.self, ApprovalCommand.self, ReportCommand.self, VersionCommand.self,
        ]
    )
}
