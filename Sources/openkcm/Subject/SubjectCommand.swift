import ArgumentParser

/// `openkcm subject ...`: subjects (users) whose data keys are crypto-shredded together.
struct SubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject", abstract: "Subjects: the users data keys are bound to with --subject.",
        subcommands: [SubjectDestroyCommand.self])
}
