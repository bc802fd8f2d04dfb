import ArgumentParser

/// `openkcm identity`: identities and tokens (root).
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Create, list and revoke identities and their tokens (root).",
        subcommands: [IdentityCreateCommand.self, IdentityListCommand.self, IdentityRevokeCommand.self, IdentityRenewCommand.self]
    )
}
