import ArgumentParser
import Foundation

/// `openkcm operator key-status` (root): the barrier key's active term and the re-encryption's progress.
struct OperatorKeyStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key-status", abstract: "Show the barrier key's term and the progress of its re-encryption (root).")

    @OptionGroup var client: ClientOptions
    @Flag(help: "Wait until a running re-encryption ends, showing progress on standard error.") var wait = false

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let status = wait ? try await KeyStatusProgress.follow(api) : try await api.call(.GET, "/v1/sys/key-status")
            api.show(status) { KeyStatusProgress.rows(status) }
        }
    }
}
