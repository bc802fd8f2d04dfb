import ArgumentParser

/// `openkcm key compromise --tenant T --version N`: a suspect L2.1 version stops protecting anything.
struct KeyCompromiseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compromise",
        abstract: "Mark an L2.1 version compromised: rotated away from if current, every L3 version it wraps moved to the current one, then never used again.",
        discussion: "Data keys stay openable: the L3 keys are unchanged, only wrapped again. The answer counts the L3 versions moved."
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "The L2.1 version to mark compromised.") var version: UInt32
    @Flag(help: "Give up the L3 versions it wraps that cannot be opened now (refused otherwise).") var force = false

    func run() async throws {
        try await runReporting {
            let api = client.client()
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
