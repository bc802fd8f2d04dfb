import ArgumentParser
import Foundation

/// `openkcm login`: signs in with a token from the customer's identity
/// provider (an ID or access token, pasted on standard input), checks it with
/// the server, and keeps it for the other commands in a 0600 file.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in with a token from your identity provider (read from standard input) and keep it for later commands.",
        discussion: """
            Paste the ID or access token your identity provider issued for OpenKCM's client id, then Enter (or pipe it in). \
            The server checks it ([oidc] in its configuration) and says who it signs you in as; the token is then kept \
            in $OPENKCM_TOKEN_FILE (default ~/.config/openkcm/token, mode 0600), which every command reads when neither \
            --token nor $OPENKCM_TOKEN is given. It works until the token expires; sign in again then.
            """)

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await runReporting {
            if isatty(STDIN_FILENO) != 0 { Console.error("Paste the token from your identity provider, then Enter:") }
            guard let line = readLine(strippingNewline: true), case let token = line.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
                throw CLIFailure("no token on standard input")
            }
            guard token.utf8.count <= 16_384, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw CLIFailure("that is not a token: one line of printable ASCII, at most 16 KiB")
            }
            let base = client.client()
            let api = RESTClient(address: base.address, token: token, output: base.output)
            let identity = try await api.call(.GET, "/v1/sys/whoami")
            try TokenFile.write(token)
            api.show(identity.merging(["tokenFile": TokenFile.path]) { $1 }) {
                var rows = [["FIELD", "VALUE"], ["identity", identity["id"] as? String ?? ""], ["name", identity["name"] as? String ?? ""],
                            ["role", identity["role"] as? String ?? ""]]
                if let tenant = identity["tenant"] as? String { rows.append(["tenant", tenant]) }
                rows.append(["token file", TokenFile.path])
                return rows
            }
        }
    }
}
