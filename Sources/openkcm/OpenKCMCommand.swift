import ArgumentParser

/// `openkcm`: one binary for the server, the gateway and the operator CLI.
@main
struct OpenKCMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openkcm",
        abstract: "OpenKCM: sovereign, multi-tenant key management.",
        subcommands: [ServerCommand.self, VersionCommand.self]
    )
}
