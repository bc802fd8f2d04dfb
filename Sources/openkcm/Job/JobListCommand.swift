import ArgumentParser

/// `openkcm job list --tenant T --service S`
struct JobListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a service's rewrap jobs, newest first.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.GET, scope.path + "/rewrap-jobs")
            api.show(answer) {
                [["ID", "STATE", "PERCENT", "REWRAPPED", "FAILED", "ITEMS", "RATE", "CREATED"]]
                    + (answer["jobs"] as? [[String: Any]] ?? []).map { job in
                        [Table.text(job["id"]), Table.text(job["state"]), Table.text(job["percent"]), Table.text(job["rewrapped"]),
                         Table.text(job["failed"]), Table.text(job["items"]), Table.text(job["blobsPerSecond"]), Table.text(job["createdAt"])]
                    }
            }
        }
    }
}
