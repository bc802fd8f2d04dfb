import ArgumentParser
import Foundation

/// `openkcm kmip trust-ca NAME --certificate-file PEM`
struct KMIPTrustCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust-ca", abstract: "Trust an external root CA for KMIP client certificates (then map subjects with map-subject).")

    @OptionGroup var client: ClientOptions
    @Argument(help: "A name for the CA.") var name: String
    @Option(name: .customLong("certificate-file"), help: "The CA certificate (PEM), self-signed.") var certificateFile: String

    func run() async throws {
        try await runReporting {
            guard let pem = try? String(contentsOfFile: certificateFile, encoding: .utf8) else { throw CLIFailure("cannot read \(certificateFile)") }
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/kmip/trusted-cas", body: ["name": name, "certificate": pem])
            api.show(answer) {
                Table.pairs([("id", answer["id"]), ("name", answer["name"]), ("subject", answer["subject"]), ("not after", answer["notAfter"])])
            }
        }
    }
}
