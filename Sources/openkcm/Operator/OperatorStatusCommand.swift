import ArgumentParser

/// `openkcm operator status`
struct OperatorStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show whether the server is initialised and sealed.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.GET, "/v1/sys/seal-status")
            api.show(status) { SealStatusTable.rows(status) }
        }
    }
}
