import ArgumentParser

/// `openkcm unwrap --tenant T --service S BLOB`
struct UnwrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unwrap", abstract: "Unwrap a data key blob (base64) and print the plaintext key (base64).")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var context: ContextOptions
    @Argument(help: "The wrapped blob, base64.") var wrapped: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/unwrap", body: try context.body(["wrapped": wrapped]))
            api.show(answer) { Table.pairs([("plaintext", answer["plaintext"])]) }
        }
    }
}
