import ArgumentParser
import Foundation
import OpenKCMServer
import OpenKCMApp

/// What the offline commands (`backup restore`, `storage migrate`) read from a
/// node's `--config` file: where its store is, its keystore connections and
/// its seal, exactly as `openkcm server --config` reads them.
struct NodeConfiguration {
    let location: StoreLocation
    let keystores: [String: [String: String]]
    let seal: String?

    init(path: String, dataDirectory: String? = nil) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIFailure("\(ConfigurationError.unreadable(path))") }
        do {
            let file = try ConfigurationFile(parsing: text)
            let directory = try dataDirectory ?? ProcessInfo.processInfo.environment["OPENKCM_DATA_DIR"] ?? file.string("server.data_dir") ?? "./data"
            location = StoreLocation(dataDirectory: directory, postgres: try ServerCommand.postgres(file))
            keystores = try file.keystoreSections()
            seal = try ProcessInfo.processInfo.environment["OPENKCM_SEAL"] ?? file.string("server.seal")
        } catch let error as ValidationError {
            throw CLIFailure("\(path): \(error.message)")
        } catch {
            throw CLIFailure("\(path): \(error)")
        }
    }
}
