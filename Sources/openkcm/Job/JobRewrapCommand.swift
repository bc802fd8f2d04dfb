import ArgumentParser
import Foundation

/// `openkcm job rewrap --tenant T --service S --input FILE`: rewrap stored data keys in the background.
struct JobRewrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrap",
        abstract: "Start a background job rewrapping stored data keys under the service's current L3 version.",
        discussion: """
            FILE has one data key per line: the base64 blob, or a JSON object {"wrapped": base64, "context": {...}, "subject": "..."}. \\
            A job takes up to 100,000; the server keeps them, rewraps them in chunks of 1,000 (a restart resumes at the next chunk) \\
            and keeps the results in input order for `openkcm job output`.
            """
    )

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @Option(help: "The data keys, one per line.") var input: String
    @Option(help: "At most this many data keys a second (spares the core).") var rate: Int?
    @Flag(help: "Wait until the job is done, showing progress on standard error.") var wait = false

    func run() async throws {
        try await runReporting {
            guard let text = try? String(contentsOfFile: input, encoding: .utf8) else { throw ValidationError("cannot read \(input)") }
            var items: [[String: Any]] = []
            for (index, line) in text.split(separator: "\n").enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                if trimmed.hasPrefix("{") {
                    guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any], object["wrapped"] is String else {
                        throw ValidationError("\(input) line \(index + 1): expected {\"wrapped\": base64, ...}")
                    }
                    items.append(object)
                } else {
                    items.append(["wrapped": trimmed])
                }
            }
            var body: [String: Any] = ["items": items]
            if let rate { body["rate"] = rate }
            let api = client.client()
            var job = try await api.call(.POST, scope.path + "/rewrap-jobs", body: body)
            if wait, let id = job["id"] as? String {
                job = try await JobProgress.follow(api, path: scope.path + "/rewrap-jobs/\(RESTClient.escape(id))")
            }
            api.show(job) { JobProgress.rows(job) }
        }
    }
}
