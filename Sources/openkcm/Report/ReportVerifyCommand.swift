import ArgumentParser
import Foundation
import OpenKCMCore

/// `openkcm report verify FILE [--fingerprint HEX]`: offline; checks the signature and prints the report.
struct ReportVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a signed report's signature (offline) and print the report.",
        discussion: "Give --fingerprint (from `GET /v1/reports/signing-key`, noted once) to check it was this server's key that signed."
    )

    @Argument(help: "The signed report file.") var file: String
    @Option(help: "The report key's SHA-256 fingerprint (hex) to expect.") var fingerprint: String?

    func run() async throws {
        try await runReporting {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure("cannot read \(file)") }
            guard let signed = try? JSONDecoder().decode(SignedReport.self, from: data) else { throw CLIFailure("\(file) is not a signed report") }
            let report: Data
            do {
                report = try signed.verified(expectedFingerprint: fingerprint)
            } catch {
                throw CLIFailure("\(error)")
            }
            Console.error("signature valid (Ed25519, key \(signed.keyFingerprint)\(fingerprint == nil ? "; give --fingerprint to pin the key" : ""))")
            FileHandle.standardOutput.write(report + Data("\n".utf8))
        }
    }
}
