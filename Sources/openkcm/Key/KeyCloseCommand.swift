import ArgumentParser

/// `openkcm key close --tenant T --service S --version N`: a compromised L3 version stops opening anything.
struct KeyCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close a compromised L3 version: the data keys still under it no longer open.",
        discussion: "Run it once the application has rewrapped its stored data keys (`openkcm job rewrap`)."
    )

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @Option(help: "The compromised L3 version.") var version: UInt32

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/keys/\(version)/close")
            api.show(answer) { Table.pairs([("closed", answer["closed"])]) }
        }
    }
}
