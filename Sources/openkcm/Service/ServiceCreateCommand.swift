import ArgumentParser

/// `openkcm service create --tenant T SERVICE [--region R]`
struct ServiceCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a service and its L3 key (at the governance plane: the service and its region).")

    @OptionGroup var client: ClientOptions
    @OptionGroup var target: ServiceTarget
    @Option(help: "At the governance plane: the region whose core keeps the service's keys (eu-central, us-east, ...).")
    var region: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var body: [String: Any] = ["id": target.service]
            if let region { body["region"] = region }
            let service = try await api.call(.POST, "/v1/tenants/\(RESTClient.escape(target.tenant))/services", body: body)
            api.show(service) { service["region"] != nil ? Table.pairs([("tenant", service["tenant"]), ("service", service["id"]), ("region", service["region"])]) : ServiceTable.rows(service) }
        }
    }
}
