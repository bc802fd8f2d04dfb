import ArgumentParser
import Foundation

/// `openkcm login`: signs in with a token from the customer's identity
/// provider, through the device authorization flow (`--issuer`, `--client-id`)
/// or pasted on standard input, checks it with the server, and keeps it for
/// the other commands in a 0600 file.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in with your identity provider (device flow, or a pasted token) and keep the token for later commands.",
        discussion: """
            With --issuer and --client-id, the identity provider's device authorization flow: open the address shown, \
            enter the code, sign in; the CLI waits for the token. Without them, paste the ID or access token your \
            identity provider issued for OpenKCM's client id, then Enter (or pipe it in). \
            The server checks it ([oidc] in its configuration) and says who it signs you in as; the token is then kept \
            in $OPENKCM_TOKEN_FILE (default ~/.config/openkcm/token, mode 0600), which every command reads when neither \
            --token nor $OPENKCM_TOKEN is given. It works until the token expires; sign in again then.
            """)

    @OptionGroup var client: ClientOptions
    @Option(help: "The identity provider's issuer URL, for the device authorization flow.") var issuer: String?
    @Option(name: .customLong("client-id"), help: "OpenKCM's client id at the identity provider (the server's [oidc] audience).") var clientID: String?
    @Option(help: "Scopes asked for in the device flow.") var scope = "openid profile email"

    func run() async throws {
        try await runReporting {
            let token: String
            switch (issuer, clientID) {
            case (let issuer?, let clientID?):
                token = try await DeviceAuthorization(issuer: issuer, clientID: clientID, scope: scope) { uri, code, complete in
                    Console.error("Sign in at \(complete ?? uri)" + (complete == nil ? " and enter the code \(code)" : " (code \(code))") + "; waiting...")
                }.token()
            case (nil, nil):
                token = try Self.pastedToken()
            default:
                throw CLIFailure("--issuer and --client-id go together (the device flow); without both, paste a token")
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

    /// One line from standard input: a token of printable ASCII, at most 16 KiB.
    static func pastedToken() throws -> String {
        if isatty(STDIN_FILENO) != 0 { Console.error("Paste the token from your identity provider, then Enter:") }
        guard let line = readLine(strippingNewline: true), case let token = line.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            throw CLIFailure("no token on standard input")
        }
        guard token.utf8.count <= 16_384, token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw CLIFailure("that is not a token: one line of printable ASCII, at most 16 KiB")
        }
        return token
    }
}
