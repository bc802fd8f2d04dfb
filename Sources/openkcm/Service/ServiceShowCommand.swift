import ArgumentParser

/// `openkcm service show --tenant T SERVICE`
struct ServiceShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a service's L3 versions.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var target: ServiceTarget

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let service = try await api.call(.GET, target.path)
            api.show(service) { ServiceTable.rows(service) }
        }
    }
}
