import ArgumentParser

/// `openkcm key compromise --tenant T [--service S] --version N`: a suspect L2.1 (or, with --service, L3) version stops protecting anything.
struct KeyCompromiseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compromise",
        abstract: "Mark an L2.1 version (or with --service, an L3 version) compromised.",
        discussion: """
            L2.1: rotated away from if current, every L3 version it wraps moved to the current one, then never used again. Data keys \
            stay openable: the L3 keys are unchanged, only wrapped again. The answer counts the L3 versions moved.
            L3 (--service): rotated away from if current, it never wraps again and stays unwrap-only, so applications can rewrap \
            their stored data keys (`openkcm job rewrap`), until `openkcm key close` closes it.
            """
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "Service id: mark the service's L3 version compromised instead of the tenant's L2.1.") var service: String?
    @Option(help: "The version to mark compromised.") var version: UInt32
    @Flag(help: "Give up the L3 versions it wraps that cannot be opened now (refused otherwise).") var force = false

    func run() async throws {
        try await runReporting {
            let api = client.client()
            if let service {
                guard !force else { throw ValidationError("--force is for an L2.1 version") }
                let answer = try await api.call(
                    .POST, "/v1/tenants/\(RESTClient.escape(tenant))/services/\(RESTClient.escape(service))/keys/\(version)/compromise")
                api.show(answer) {
                    Table.pairs([("compromised", "L3 v\(version)"), ("rotated to", answer["rotatedTo"]), ("still opens (unwrap only)", answer["stillOpens"]),
                                 ("KMIP objects moved", answer["kmipObjectsRewrapped"])])
                }
                return
            }
            let answer = try await api.call(.POST, "/v1/tenants/\(RESTClient.escape(tenant))/keys/\(version)/compromise" + (force ? "?force=true" : ""))
            api.show(answer) {
                let result = answer["compromise"] as? [String: Any] ?? [:]
                return Table.pairs([
                    ("compromised", "L2.1 v\(version)"), ("rotated to", result["rotatedTo"]),
                    ("L3 versions rewrapped", result["rewrappedServiceKeys"]), ("L3 versions skipped", result["skippedServiceKeys"]),
                ])
            }
        }
    }
}
