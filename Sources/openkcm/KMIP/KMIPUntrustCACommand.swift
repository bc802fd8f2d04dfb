import ArgumentParser

/// `openkcm kmip untrust-ca ID`
struct KMIPUntrustCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "untrust-ca", abstract: "Stop trusting an external CA: the clients mapped at it are refused from then on.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The trusted CA's id.") var id: String

    func run() async throws {
        try await runReporting {
            _ = try await client.client().call(.DELETE, "/v1/kmip/trusted-cas/\(RESTClient.escape(id))")
            Console.out("CA \(id) is no longer trusted")
        }
    }
}
