import ArgumentParser

/// `openkcm service deactivate --tenant T SERVICE`
struct ServiceDeactivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate", abstract: "Retire a service: its data keys still unwrap, nothing new is wrapped.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var target: ServiceTarget

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let service = try await api.call(.POST, target.path + "/deactivate")
            api.show(service) { ServiceTable.rows(service) }
        }
    }
}
