import ArgumentParser

/// `openkcm kmip map-subject NAME --tenant T --service S --trusted-ca ID --subject DN`
struct KMIPMapSubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map-subject",
        abstract: "Register a KMIP client by its certificate subject at a trusted CA (RFC 4514, e.g. \"CN=mysql-01,OU=db,O=Acme\").")

    @OptionGroup var client: ClientOptions
    @Argument(help: "A name for the client.") var name: String
    @Option(help: "Tenant the client is bound to.") var tenant: String
    @Option(help: "Service the client is bound to.") var service: String
    @Option(name: .customLong("trusted-ca"), help: "The trusted CA's id (openkcm kmip trusted-cas).") var trustedCA: String
    @Option(help: "The subject its certificates carry, RFC 4514 (most specific first), compared exactly.") var subject: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/kmip/clients", body: [
                "name": name, "tenant": tenant, "service": service, "trustedCA": trustedCA, "subject": subject,
            ])
            let identity = answer["identity"] as? [String: Any] ?? [:]
            api.show(answer) {
                Table.pairs([("id", identity["id"]), ("name", identity["name"]), ("tenant", identity["tenant"]), ("service", identity["service"]),
                             ("trusted CA", identity["certificateAuthority"]), ("subject", identity["certificateSubject"])])
            }
        }
    }
}
