import ArgumentParser

/// `openkcm operator seal` (root): drops the MasterKey and every unwrapped key.
struct OperatorSealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seal", abstract: "Seal the server (root).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = try await api.call(.POST, "/v1/sys/seal")
            api.show(status) { SealStatusTable.rows(status) }
        }
    }
}
