import ArgumentParser
import Foundation
import NIOCore

/// `openkcm backup verify FILE`: the server checks the backup under its
/// MasterKey (format, digest, the manifest's tag, every record against the
/// backup's own index); exit 0 when it would restore, 1 with the reason when not.
struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Have the server check a backup under its MasterKey (root).")

    @OptionGroup var client: ClientOptions
    @Argument(help: "The backup file.") var file: String

    func run() async throws {
        try await runReporting {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure("cannot read \(file)") }
            let api = client.client()
            let answer = try await api.exchange(.POST, "/v1/sys/backup/verify", body: data, contentType: "application/octet-stream",
                                                timeout: .minutes(10))
            let object = (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
            let manifest = object["manifest"] as? [String: Any] ?? [:]
            api.show(object) { BackupReport.rows(manifest, first: [("verified", true), ("records opened", object["recordsOpened"])]) }
        }
    }
}
