import ArgumentParser

/// `openkcm rewrap --tenant T --service S BLOB`
struct RewrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrap", abstract: "Rewrap a data key blob under the service's current L3 version.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var context: ContextOptions
    @Argument(help: "The wrapped blob, base64.") var wrapped: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/rewrap", body: try context.body(["wrapped": wrapped]))
            api.show(answer) { Table.pairs([("wrapped", answer["wrapped"])]) }
        }
    }
}
