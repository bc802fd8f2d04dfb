import ArgumentParser
import Foundation

enum KeyStatusProgress {
    static func rows(_ status: [String: Any]) -> [[String]] {
        let run = status["reencryption"] as? [String: Any]
        return Table.pairs([
            ("active term", status["activeTerm"]), ("terms", status["terms"]), ("installed", status["installedAt"]),
            ("re-encrypted", status["reencryptedAt"]),
        ] + (run.map { run in [
            ("re-encryption", "\(Table.text(run["percent"]))% (\(Table.text(run["done"]))/\(Table.text(run["total"])) records, "
                + "\(Table.text(run["rewritten"])) rewritten, \(Table.text(run["recordsPerSecond"]))/s)"),
        ] + (run["failure"].map { [("stopped", $0)] } ?? []) } ?? []))
    }

    /// Polls the key status until the active term is re-encrypted (or the run stops), drawing a bar on stderr.
    static func follow(_ api: RESTClient) async throws -> [String: Any] {
        while true {
            let status = try await api.call(.GET, "/v1/sys/key-status")
            let run = status["reencryption"] as? [String: Any]
            let done = status["reencryptedAt"] != nil || (status["activeTerm"] as? Int ?? 1) == 1
            if let run {
                let percent = run["percent"] as? Double ?? 0
                let filled = Int(percent / 100 * 30)
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(Table.text(run["percent"]))% \(Table.text(run["done"]))/\(Table.text(run["total"])) records, \(Table.text(run["recordsPerSecond"]))/s   ".utf8))
                if done || run["failure"] != nil {
                    FileHandle.standardError.write(Data("\n".utf8))
                    return status
                }
            } else if done {
                return status
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
