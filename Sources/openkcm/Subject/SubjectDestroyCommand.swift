import ArgumentParser

/// `openkcm subject destroy --tenant T --service S SUBJECT`: crypto-shreds one subject.
struct SubjectDestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Crypto-shred a subject: every data key bound to it becomes unrecoverable, from any copy, and the id is refused from then on.",
        discussion: "Irreversible. The audit log records it under the SHA-256 of the subject, which is also what this prints.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @Argument(help: "The subject (user id) whose data keys are to be shredded.") var subject: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/subjects/destroy", body: ["subject": subject])
            api.show(answer) { Table.pairs([("destroyed", answer["destroyed"]), ("subject", answer["subject"])]) }
        }
    }
}
