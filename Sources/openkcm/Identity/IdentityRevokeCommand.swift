import ArgumentParser

/// `openkcm identity revoke ID`
struct IdentityRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an identity: its token stops working at once.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "Identity id.") var id: String

    func run() async throws {
        try await runReporting {
            _ = try await client.client().call(.DELETE, "/v1/identities/\(RESTClient.escape(id))")
            Console.out("identity \(id) revoked")
        }
    }
}
