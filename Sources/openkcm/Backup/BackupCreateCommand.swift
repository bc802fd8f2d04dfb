import ArgumentParser
import Foundation
import NIOCore
import OpenKCMCore

/// `openkcm backup create --out FILE`: the server reads its whole store as of
/// one moment, checks the backup opens under its MasterKey, and sends it;
/// the file is created with mode 0600 and never replaces another.
struct BackupCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Take a backup of the whole store (root) into a new file, mode 0600.",
        discussion: """
            The backup holds every record as the store holds it (sealed under the MasterKey) behind a manifest \
            authenticated under a key derived from it. Restoring it needs the same shares, shard keystores or \
            seal keystore (the manifest names the MasterKey's check value), and the customers' L1 keys.
            """)

    @OptionGroup var client: ClientOptions
    @Option(name: .shortAndLong, help: "The file to create (an existing file is not replaced).") var out: String

    func run() async throws {
        try await runReporting {
            // Created first: an existing file is found before the backup is taken, not after.
            let descriptor = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw CLIFailure("cannot create \(out): \(String(cString: strerror(errno)))") }
            var written = false
            defer {
                close(descriptor)
                if !written { unlink(out) }
            }
            let api = client.client()
            let data = try await api.exchange(.GET, "/v1/sys/backup", body: nil, contentType: "application/json",
                                              limit: 1 << 30, timeout: .minutes(10))
            // Checked on arrival as well: a backup damaged on the way is never written as if good.
            let archive: BackupArchive
            do { archive = try BackupArchive(decoding: data) } catch { throw CLIFailure("the server's answer is not a sound backup: \(error)", exitCode: 3) }
            try Self.write(data, to: descriptor, path: out)
            written = true
            let object = BackupReport.object(archive.manifest, extra: ["file": out, "bytes": data.count])
            api.show(object) { BackupReport.rows(object, first: [("file", out), ("bytes", data.count)]) }
        }
    }

    /// Writes `data` to `descriptor` and syncs it, and the directory entry, to disk.
    static func write(_ data: Data, to descriptor: Int32, path: String) throws {
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0 && fsync(descriptor) != 0 { failure = errno }
        if failure != 0 { throw CLIFailure("cannot write \(path): \(String(cString: strerror(failure)))") }
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}
