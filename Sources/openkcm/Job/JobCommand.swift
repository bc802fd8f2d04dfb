import ArgumentParser

/// `openkcm job`: background jobs rewrapping an application's stored data keys.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Rewrap stored data keys in the background, and follow the jobs.",
        subcommands: [JobRewrapCommand.self, JobListCommand.self, JobShowCommand.self, JobOutputCommand.self]
    )
}
