import ArgumentParser
import OpenKCMCore

/// `openkcm version`
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version and format versions.")

    func run() {
        print("openkcm \(OpenKCMVersion.current) (envelope format \(EnvelopeHeader.formatVersion))")
    }
}
