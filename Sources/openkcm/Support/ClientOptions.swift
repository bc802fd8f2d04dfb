import ArgumentParser
import Foundation

/// Where the server is and who we are: flags first, then OPENKCM_ADDR and
/// OPENKCM_TOKEN, then the token `openkcm login` kept.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server address, or several replicas' comma-separated (default: $OPENKCM_ADDR, else http://127.0.0.1:8200).")
    var address: String?

    @Option(help: "Bearer token (default: $OPENKCM_TOKEN, else the one `openkcm login` kept). Prefer the variable: flags show in the process list.")
    var token: String?

    @Option(help: "Output format: table or json.")
    var output: OutputFormat = .table

    func client() -> RESTClient {
        let environment = ProcessInfo.processInfo.environment
        let address = address ?? environment["OPENKCM_ADDR"] ?? "http://127.0.0.1:8200"
        let trimmed = address.split(separator: ",").map { $0.hasSuffix("/") ? String($0.dropLast()) : String($0) }.joined(separator: ",")
        return RESTClient(address: trimmed,
                          token: token ?? environment["OPENKCM_TOKEN"] ?? TokenFile.read(), output: output)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// `--tenant` and `--service` for data-key commands.
struct ScopeOptions: ParsableArguments {
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "Service id.") var service: String

    var path: String { "/v1/tenants/\(RESTClient.escape(tenant))/services/\(RESTClient.escape(service))" }
}

/// `--context key=value`, repeatable: the encryption context bound to a data key.
struct ContextOptions: ParsableArguments {
    @Option(name: .customLong("context"), help: "Encryption context pair key=value (repeatable).")
    var pairs: [String] = []
    @Option(name: .customLong("subject"), help: "Bind the data key to this subject (a user id); it is crypto-shredded with `openkcm subject destroy`.")
    var subject: String?

    /// The request body's `context`, and `subject` when given, with `extra` fields.
    func body(_ extra: [String: Any] = [:]) throws -> [String: Any] {
        var body = extra
        body["context"] = try dictionary()
        if let subject { body["subject"] = subject }
        return body
    }

    func dictionary() throws -> [String: String] {
        var context: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--context takes key=value, got '\(pair)'")
            }
            context[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return context
    }
}
