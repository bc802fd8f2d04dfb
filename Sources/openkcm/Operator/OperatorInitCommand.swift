import ArgumentParser
import Foundation

/// `openkcm operator init --shares N --threshold M [--share-public-key FILE]... [--shard-keystore P:K]...`
struct OperatorInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make the MasterKey, split it into Shamir shares, and print the shares and a root token once.",
        discussion: """
            With --share-public-key given once per share (RSA-OAEP-SHA256 or X25519 PEM), each share is \
            encrypted to its custodian on the server and no share is ever shown in the clear; custodians open \
            theirs with `openkcm operator decrypt-share`. With --shard-keystore given once per share, each share \
            is stored wrapped by its own keystore and the server unseals itself with any threshold of them.
            """
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "Number of shares (N).") var shares: Int?
    @Option(help: "Shares needed to unseal (M).") var threshold: Int = 3
    @Option(name: .customLong("share-public-key"), help: "A custodian's public key file (PEM), once per share.")
    var publicKeyFiles: [String] = []
    @Option(name: .customLong("shard-keystore"), help: "provider:key of a keystore that holds one share, once per share.")
    var shardKeystores: [String] = []

    func run() async throws {
        try await runReporting {
            var body: [String: Any] = ["threshold": threshold]
            if let shares { body["shares"] = shares }
            if !publicKeyFiles.isEmpty {
                body["sharePublicKeys"] = try publicKeyFiles.map { path in
                    guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIFailure("cannot read \(path)") }
                    return pem
                }
            }
            if !shardKeystores.isEmpty {
                body["shardKeystores"] = try shardKeystores.map { reference -> [String: String] in
                    guard let colon = reference.firstIndex(of: ":") else { throw CLIFailure("--shard-keystore takes provider:key, got '\(reference)'") }
                    return ["provider": String(reference[..<colon]), "key": String(reference[reference.index(after: colon)...])]
                }
            }
            let api = client.client()
            let answer = try await api.call(.POST, "/v1/sys/init", body: body)
            let list = answer["shares"] as? [String] ?? []
            let encrypted = answer["sharesEncrypted"] as? Bool ?? false
            api.show(answer) {
                [["SHARE", encrypted ? "ENCRYPTED (base64)" : "VALUE"]] + list.enumerated().map { ["\($0.offset + 1)", $0.element] }
                    + [["root token", answer["rootToken"] as? String ?? ""]]
            }
            if api.output == .table {
                let custody = list.isEmpty
                    ? "The shares are held by the shard keystores; the server unseals itself when \(threshold) of them answer."
                    : encrypted
                        ? "Share i is encrypted to the i-th public key: send each to its custodian, who opens it with `openkcm operator decrypt-share`."
                        : "These \(list.count) shares are shown once and never stored: give each to a different custodian."
                Console.out("""

                    The server is initialised and unsealed. \(custody) Any \(threshold) shares unseal it after a restart \
                    (openkcm operator unseal). Keep the root token safe, or revoke it once other identities exist.
                    """)
            }
        }
    }
}
