import ArgumentParser

/// `openkcm datakey [generate] --tenant T --service S [--context k=v] [--subject ID]`: a fresh L4 and its wrapped blob.
struct DataKeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate a data key (L4): prints the plaintext key and the wrapped blob, both base64.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var context: ContextOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/datakey", body: try context.body())
            api.show(answer) {
                Table.pairs([("plaintext", answer["plaintext"]), ("wrapped", answer["wrapped"]), ("L3 version", answer["serviceKeyVersion"])])
            }
        }
    }
}
