import ArgumentParser

/// `openkcm kmip client-ca`: the server's KMIP client CA certificate (PEM).
struct KMIPClientCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client-ca", abstract: "Print the server's KMIP client CA certificate (PEM).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, "/v1/kmip/client-ca")
            let pem = answer["certificate"] as? String ?? ""
            api.show(answer) { [[pem.hasSuffix("\n") ? String(pem.dropLast()) : pem]] }
        }
    }
}
