import Foundation

/// A rewrap job as a table, and a progress bar while it runs.
enum JobProgress {
    static func rows(_ job: [String: Any]) -> [[String]] {
        let from = (job["fromVersions"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { "v\($0.key): \(Table.text($0.value))" }
        return Table.pairs([
            ("id", job["id"]), ("state", job["state"]),
            ("progress", "\(Table.text(job["percent"]))% (\(Table.text(job["rewrapped"])) rewrapped, \(Table.text(job["failed"])) failed of \(Table.text(job["items"])))"),
            ("rate", job["blobsPerSecond"].map { "\(Table.text($0))/s" }), ("from", from.isEmpty ? nil : from.joined(separator: ", ")),
            ("to", job["toVersion"].map { "L3 v\(Table.text($0))" }), 
            ("created", job["createdAt"]), ("finished", job["finishedAt"]),
        ])
    }

    /// Polls the job until it is done, drawing a bar on standard error.
    static func follow(_ api: RESTClient, path: String) async throws -> [String: Any] {
        while true {
            let job = try await api.call(.GET, path)
            let percent = job["percent"] as? Double ?? 0
            let filled = max(0, min(30, Int(percent / 100 * 30)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
            let processed = (job["rewrapped"] as? Int ?? 0) + (job["failed"] as? Int ?? 0)
            FileHandle.standardError.write(Data(
                "\r[\(bar)] \(Table.text(job["percent"]))% \(processed)/\(Table.text(job["items"])) data keys, \(Table.text(job["blobsPerSecond"] ?? 0))/s   ".utf8))
            if job["state"] as? String == "done" {
                FileHandle.standardError.write(Data("\n".utf8))
                return job
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
