import Foundation

/// Where `openkcm login` keeps the token and the other commands find it:
/// `$OPENKCM_TOKEN_FILE`, else `~/.config/openkcm/token`. Written 0600 in a
/// 0700 directory, replaced atomically; a file others can read is refused.
enum TokenFile {
    static var path: String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["OPENKCM_TOKEN_FILE"], !path.isEmpty { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".config/openkcm/token")
    }

    /// The saved token, if there is one only its owner can read.
    static func read() -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    static func write(_ token: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = directory.appendingPathComponent(".token-\(UUID().uuidString)")
        // Created 0600 before the token is in it: never readable by others, not even for a moment.
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CLIFailure("cannot write \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: Data((token + "\n").utf8))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else { throw CLIFailure("cannot replace \(url.path)") }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
