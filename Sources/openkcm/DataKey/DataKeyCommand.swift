import ArgumentParser

/// `openkcm datakey --tenant T --service S [--context k=v]`: a fresh L4 and its wrapped blob.
struct DataKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datakey", abstract: "Generate a data key (L4): prints the plaintext key and the wrapped blob, both base64.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var context: ContextOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/datakey", body: ["context": try context.dictionary()])
            api.show(answer) {
                Table.pairs([("plaintext", answer["plaintext"]), ("wrapped", answer["wrapped"]), ("L3 version", answer["serviceKeyVersion"])])
            }
        }
    }
}
