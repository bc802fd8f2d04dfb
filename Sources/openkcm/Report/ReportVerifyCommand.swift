import ArgumentParser
import Foundation
import OpenKCMCore

/// `openkcm report verify FILE [--fingerprint HEX]`: offline; checks the signature and prints the report.
struct ReportVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a signed report's signature (offline) and print the report.",
        discussion: "--fingerprint is the report key's (from `GET /v1/reports/signing-key`, noted once): anyone can sign a report with a key of their own, so a signature proves nothing without it. --unpinned checks the signature alone."
    )

    @Argument(help: "The signed report file.") var file: String
    @Option(help: "The report key's SHA-256 fingerprint (hex) to expect.") var fingerprint: String?
    @Flag(help: "Check the signature without pinning the key (it then proves only that the file was not changed after signing).") var unpinned = false

    func run() async throws {
        try await runReporting {
            guard fingerprint != nil || unpinned else {
                throw CLIFailure("give --fingerprint (the report key's, from GET /v1/reports/signing-key): without it anyone's key would do; --unpinned to check the signature alone")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure("cannot read \(file)") }
            guard let signed = try? JSONDecoder().decode(SignedReport.self, from: data) else { throw CLIFailure("\(file) is not a signed report") }
            let report: Data
            do {
                report = try signed.verified(expectedFingerprint: fingerprint)
            } catch {
                throw CLIFailure("\(error)")
            }
            Console.error("signature valid (Ed25519, key \(signed.keyFingerprint)\(fingerprint == nil ? ", not pinned" : ", the expected key"))")
            FileHandle.standardOutput.write(report + Data("\n".utf8))
        }
    }
}
