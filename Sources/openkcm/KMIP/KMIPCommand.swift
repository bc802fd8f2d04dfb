import ArgumentParser

/// `openkcm kmip`: KMIP clients and the CAs their certificates come from (root).
struct KMIPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmip",
        abstract: "Register KMIP clients: certificates from the server's CA, or subjects at a trusted CA (root).",
        subcommands: [
            KMIPClientCertCommand.self, KMIPMapSubjectCommand.self, KMIPClientCACommand.self,
            KMIPTrustCACommand.self, KMIPRenewCACommand.self, KMIPTrustedCAsCommand.self, KMIPUntrustCACommand.self,
        ]
    )
}
