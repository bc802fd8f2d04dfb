import ArgumentParser

/// `openkcm service delete --tenant T SERVICE --yes`
struct ServiceDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Crypto-shred a service: its data keys can never be unwrapped again.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var target: ServiceTarget
    @Flag(help: "Confirm: this cannot be undone.") var yes = false

    func run() async throws {
        try await runReporting {
            guard yes else { throw CLIFailure("deleting a service destroys its keys for good; pass --yes to confirm") }
            _ = try await client.client().call(.DELETE, target.path)
            Console.out("service \(target.service) of tenant \(target.tenant) destroyed")
        }
    }
}
