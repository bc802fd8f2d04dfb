import ArgumentParser

/// `openkcm l1`: link, show, unlink a tenant's L1 (governance).
struct L1Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "l1",
        abstract: "Manage a tenant's L1 link; unlink is the kill switch.",
        subcommands: [L1LinkCommand.self, L1ShowCommand.self, L1UnlinkCommand.self, L1ImportCommand.self, L1RewrapCommand.self]
    )
}

enum L1Table {
    static func rows(_ link: [String: Any]) -> [[String]] {
        Table.pairs([("provider", link["provider"]), ("key", link["key"]), ("linked", link["linked"]), ("unlinked at", link["unlinkedAt"])])
    }
}
