public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private rsyslogd (Debian's, installed by scripts/test) receiving syslog
/// over TLS on 127.0.0.1, writing what it parsed into a file: the SIEM the
/// audit stream's tests deliver to. Never the system's instance: its own
/// configuration, work directory and PID file. Stopped and started again by
/// the test to stand for a SIEM outage.
public final class RsyslogPeer: @unchecked Sendable {
    /// rsyslogd's path, or nil when it is not installed (`OPENKCM_RSYSLOGD` overrides).
    public static var binary: String? {
        let candidates = [ProcessInfo.processInfo.environment["OPENKCM_RSYSLOGD"], "/usr/sbin/rsyslogd"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public let port: Int
    /// One line per message: `MSGID STRUCTURED-DATA MSG`, as rsyslog parsed them (RFC 5424).
    public let output: URL
    let directory: URL
    let binary: String
    private var process: Process?

    /// Writes the configuration (TLS with `certificate`/`key`, trusting `ca`) and starts rsyslogd; returns once it listens.
    public init(directory: URL, port: Int, ca: String, certificate: String, key: String) async throws {
        guard let binary = Self.binary else { throw CocoaError(.fileNoSuchFile) }
        self.binary = binary
        self.directory = directory
        self.port = port
        self.output = directory.appendingPathComponent("received.log")
        let configuration = """
            global(DefaultNetstreamDriverCAFile="\(ca)" DefaultNetstreamDriverCertFile="\(certificate)"
                   DefaultNetstreamDriverKeyFile="\(key)" workDirectory="\(directory.path)")
            module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
            template(name="audit" type="string" string="%msgid% %structured-data% %msg%\\n")
            input(type="imtcp" port="\(port)" address="127.0.0.1" ruleset="audit")
            ruleset(name="audit") { action(type="omfile" file="\(output.path)" template="audit") }
            """
        try configuration.write(to: directory.appendingPathComponent("rsyslog.conf"), atomically: true, encoding: .utf8)
        try await start()
    }

    /// Starts rsyslogd (again) on the same port and output file.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-n", "-f", directory.appendingPathComponent("rsyslog.conf").path, "-i", directory.appendingPathComponent("rsyslog.pid").path]
        let log = directory.appendingPathComponent("rsyslogd.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        let port = self.port
        let listening = try await Eventually.holds(every: .milliseconds(100)) { Self.accepts(port: port) }
        guard listening else {
            stop()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "rsyslogd did not listen: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")"])
        }
    }

    /// Whether rsyslogd is running.
    public var isRunning: Bool { process?.isRunning ?? false }

    /// SIGKILL, as a crash would, and waits for it to exit. (Not SIGTERM: a child of
    /// the test process starts with the runner's signal mask, SIGTERM blocked.)
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The sequence numbers received, in the order they arrived (repeats included).
    public func receivedSequences() -> [UInt64] {
        guard let text = try? String(contentsOf: output, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "seq=\"") else { return nil }
            return UInt64(line[start.upperBound...].prefix { $0.isNumber })
        }
    }

    /// The received lines.
    public func receivedLines() -> [Substring] {
        guard let text = try? String(contentsOf: output, encoding: .utf8) else { return [] }
        return text.split(separator: "\n")
    }
}
