import ArgumentParser
import Foundation

/// `openkcm report compliance [--csv | --signed FILE]`: every key against its rotation policy, and every tenant's kill switch.
struct ReportComplianceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compliance",
        abstract: "Each key's age, due rotation and overdue state, the versions still in use, and each tenant's L1 and kill switch.",
        discussion: "A table by default; --output json, --csv, or --signed FILE (signed JSON an auditor verifies with `openkcm report verify`)."
    )

    @OptionGroup var client: ClientOptions
    @Flag(help: "CSV, one line per key.") var csv = false
    @Option(help: "Write the signed report (JSON) to this file.") var signed: String?

    func run() async throws {
        try await runReporting {
            let api = client.client()
            if csv {
                let data = try await api.exchange(.GET, "/v1/reports/compliance?format=csv", body: nil, contentType: "text/csv")
                FileHandle.standardOutput.write(data)
                return
            }
            if let signed {
                let data = try await api.exchange(.GET, "/v1/reports/compliance?format=signed", body: nil, contentType: "application/json")
                guard FileManager.default.createFile(atPath: signed, contents: data) else { throw CLIFailure("cannot write \(signed)") }
                let answer = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                Console.out("signed report written to \(signed), key fingerprint \(answer["keyFingerprint"] as? String ?? "?")")
                return
            }
            let report = try await api.call(.GET, "/v1/reports/compliance")
            api.show(report) { Self.rows(report) }
            if api.output == .table, let summary = report["summary"] as? [String: Any] {
                Console.out("\n\(Table.text(summary["keys"])) keys in \(Table.text(summary["tenants"])) tenants: \(Table.text(summary["overdue"])) overdue, "
                            + "\(Table.text(summary["killSwitchNotReady"])) tenants whose kill switch is not armed.")
            }
        }
    }

    static func rows(_ report: [String: Any]) -> [[String]] {
        var rows = [["TENANT", "SERVICE", "LAYER", "VERSION", "AGE", "PERIOD", "DUE", "OVERDUE", "OPEN", "L1", "KILL SWITCH"]]
        for tenant in report["tenants"] as? [[String: Any]] ?? [] {
            if let root = tenant["rootVersion"] {
                rows.append([Table.text(tenant["tenant"]), "", "L2", Table.text(root), "-", "-", Table.text(tenant["rootDueAt"]),
                             Table.text(tenant["rootOverdue"]), "1", Table.text(tenant["l1Status"]), Table.text(tenant["killSwitchReady"])])
            }
            for key in tenant["keys"] as? [[String: Any]] ?? [] {
                let age = (key["ageSeconds"] as? Int).map { "\($0 / 86_400)d" } ?? "-"
                let period = (key["periodSeconds"] as? Int).map { "\($0 / 86_400)d (\(Table.text(key["source"])))" } ?? "-"
                rows.append([Table.text(tenant["tenant"]), Table.text(key["service"]), Table.text(key["layer"]), Table.text(key["currentVersion"]),
                             age, period, Table.text(key["dueAt"]), Table.text(key["overdue"]),
                             Table.text(key["openVersions"]) + ((key["compromisedOpen"] as? Int ?? 0) > 0 ? " (\(Table.text(key["compromisedOpen"])) compromised)" : ""),
                             Table.text(tenant["l1Status"]), Table.text(tenant["killSwitchReady"])])
            }
        }
        return rows
    }
}
