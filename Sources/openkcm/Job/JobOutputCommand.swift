import ArgumentParser
import Foundation

/// `openkcm job output ID --tenant T --service S --file FILE`: the rewrapped data keys, in input order.
struct JobOutputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Write a finished job's results, one line per input line: the rewrapped base64 blob, or `error: CODE`.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var scope: ScopeOptions
    @Argument(help: "The job id.") var id: String
    @Option(help: "Where to write the results.") var file: String

    func run() async throws {
        try await runReporting {
            let api = client.client()
            let path = scope.path + "/rewrap-jobs/\(RESTClient.escape(id))"
            let job = try await api.call(.GET, path)
            guard job["state"] as? String == "done", let chunks = job["chunks"] as? Int else {
                throw ValidationError("job \(id) is not done yet (\(Table.text(job["percent"]))%): `openkcm job show \(id) --wait`")
            }
            guard FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: file) else { throw ValidationError("cannot write \(file)") }
            defer { try? handle.close() }
            var written = 0
            var failed = 0
            for chunk in 0..<chunks {
                let answer = try await api.call(.GET, path + "/output?chunk=\(chunk)")
                var lines = ""
                for outcome in answer["outcomes"] as? [[String: Any]] ?? [] {
                    if let wrapped = outcome["wrapped"] as? String {
                        lines += wrapped + "\n"
                    } else {
                        lines += "error: \(Table.text(outcome["error"]))\n"
                        failed += 1
                    }
                    written += 1
                }
                handle.write(Data(lines.utf8))
            }
            Console.error("\(written) results written to \(file) (\(failed) not rewrapped)")
        }
    }
}
