import ArgumentParser

/// `openkcm service rotate --tenant T SERVICE`
struct ServiceRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate", abstract: "Add an L3 version and make it current.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var target: ServiceTarget

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let service = try await api.call(.POST, target.path + "/rotate")
            api.show(service) { ServiceTable.rows(service) }
        }
    }
}
