import ArgumentParser
import Foundation

/// `openkcm identity create NAME --role R [--tenant T --service S] [--certificate-file PEM]`
struct IdentityCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an identity and print its token once. Crypto identities need --tenant and --service.")

    @OptionGroup var client: ClientOptions
    @Argument(help: "A name for the identity.") var name: String
    @Option(help: "root, governance, crypto, auditor, or core (a regional core at the governance plane: needs --region).") var role: String
    @Option(help: "Tenant a crypto identity is bound to.") var tenant: String?
    @Option(help: "Service a crypto identity is bound to.") var service: String?
    @Option(help: "The region a core identity reads (role core only).") var region: String?
    @Option(name: .customLong("certificate-file"), help: "A KMIP client's TLS certificate (PEM): the client is this identity on the KMIP listener.")
    var certificateFile: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var body: [String: Any] = ["name": name, "role": role]
            if let tenant { body["tenant"] = tenant }
            if let service { body["service"] = service }
            if let region { body["region"] = region }
            if let certificateFile {
                guard let pem = try? String(contentsOfFile: certificateFile, encoding: .utf8) else { throw CLIFailure("cannot read \(certificateFile)") }
                body["certificate"] = pem
            }
            let answer = try await api.call(.POST, "/v1/identities", body: body)
            let identity = answer["identity"] as? [String: Any] ?? [:]
            api.show(answer) {
                Table.pairs([("id", identity["id"]), ("name", identity["name"]), ("role", identity["role"]),
                             ("tenant", identity["tenant"]), ("service", identity["service"]), ("region", identity["region"]),
                             ("certificate", identity["certificateFingerprint"]), ("token", answer["token"])])
            }
        }
    }
}
