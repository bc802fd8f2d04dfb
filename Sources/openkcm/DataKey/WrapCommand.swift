import ArgumentParser
import Foundation

/// `openkcm wrap --tenant T --service S < key.b64`: wraps an L4 made elsewhere.
struct WrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wrap", abstract: "Wrap a 256-bit data key, read as base64 from standard input (never from a flag).")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @OptionGroup var context: ContextOptions

    func run() async throws {
        try await runReporting {
            guard let key = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
                throw CLIFailure("no key on standard input (base64 of 32 bytes)")
            }
            let api = client.client()
            let answer = try await api.call(.POST, scope.path + "/wrap", body: try context.body(["plaintext": key]))
            api.show(answer) { Table.pairs([("wrapped", answer["wrapped"])]) }
        }
    }
}
