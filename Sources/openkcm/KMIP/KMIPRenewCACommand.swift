import ArgumentParser
import Foundation

/// `openkcm kmip renew-ca ID --certificate-file PEM`
struct KMIPRenewCACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew-ca",
        abstract: "Replace a trusted CA's certificate with its renewal (same subject): its mappings stay; the old certificate stops being trusted at once.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The trusted CA's id.") var id: String
    @Option(name: .customLong("certificate-file"), help: "The renewed CA certificate (PEM), self-signed, with the same subject.") var certificateFile: String

    func run() async throws {
        try await runReporting {
            guard let pem = try? String(contentsOfFile: certificateFile, encoding: .utf8) else { throw CLIFailure("cannot read \(certificateFile)") }
            let api = client.client()
            let answer = try await api.call(.PUT, "/v1/kmip/trusted-cas/\(RESTClient.escape(id))", body: ["certificate": pem])
            api.show(answer) {
                Table.pairs([("id", answer["id"]), ("name", answer["name"]), ("subject", answer["subject"]), ("not after", answer["notAfter"])])
            }
        }
    }
}
