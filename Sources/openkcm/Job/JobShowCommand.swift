import ArgumentParser

/// `openkcm job show ID --tenant T --service S [--wait]`
struct JobShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one rewrap job; --wait follows it with a progress bar.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @Argument(help: "The job id.") var id: String
    @Flag(help: "Wait until the job is done, showing progress on standard error.") var wait = false

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let path = scope.path + "/rewrap-jobs/\(RESTClient.escape(id))"
            let job = wait ? try await JobProgress.follow(api, path: path) : try await api.call(.GET, path)
            api.show(job) { JobProgress.rows(job) }
        }
    }
}
