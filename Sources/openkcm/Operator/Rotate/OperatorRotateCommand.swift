import ArgumentParser
import Foundation

/// `openkcm operator rotate` (root; four-eyes when configured): a new barrier
/// key term seals every record from now on; the older records are re-encrypted
/// in the background, all readable throughout.
struct OperatorRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Rotate the barrier key that encrypts every stored record (root).",
        discussion: "The records written before are re-encrypted in the background; --wait follows it with a progress bar."
    )

    @OptionGroup var client: ClientOptions
    @Flag(help: "Wait until every record is re-encrypted, showing progress on standard error.") var wait = false

    func run() async throws {
        try await runReporting {
            let api = client.client()
            _ = try await api.call(.POST, "/v1/sys/rotate")
            let status = wait ? try await KeyStatusProgress.follow(api) : try await api.call(.GET, "/v1/sys/key-status")
            api.show(status) { KeyStatusProgress.rows(status) }
        }
    }
}
