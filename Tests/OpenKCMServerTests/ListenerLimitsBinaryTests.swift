import Foundation
import OpenKCMTestSupport
import Testing

/// The REST listener's connection cap and idle timeout, against the real
/// binary (`[server] max_connections`, `idle_timeout_seconds`): past the cap a
/// connection is closed on arrival, a freed place serves again, and idle
/// connections are closed. The KMIP listener and the data-key channel have
/// their own caps and timeouts (`KMIPConnectionTimeoutsTests`).
@Suite struct ListenerLimitsBinaryTests {
    /// A TCP connection to 127.0.0.1:`port`.
    static func connect(_ port: Int) throws -> Int32 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(socket); throw POSIXError(.ECONNREFUSED) }
        return socket
    }

    /// Whether the server closed `socket` (a read gives end of file or a reset) within `seconds`.
    static func closedByServer(_ socket: Int32, within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let read = recv(socket, &byte, 1, 0)
        return read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// One HTTP request on `socket`; whether an HTTP answer came back.
    static func answers(_ socket: Int32) -> Bool {
        let request = Array("GET /v1/sys/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(socket, request, request.count, 0) == request.count else { return false }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 512)
        let read = recv(socket, &buffer, buffer.count, 0)
        return read > 0 && String(decoding: buffer.prefix(read), as: UTF8.self).hasPrefix("HTTP/1.1")
    }

    @Test func pastTheCapAConnectionIsClosedAndIdleOnesAreClosedToo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two servers: one with a cap of 3 (and no idle closing to race with), one closing idle connections after 1 s.
        let capped = directory.appendingPathComponent("capped.toml")
        try "[server]\nmax_connections = 3\nidle_timeout_seconds = 3600\n".write(to: capped, atomically: true, encoding: .utf8)
        let idle = directory.appendingPathComponent("idle.toml")
        try "[server]\nidle_timeout_seconds = 1\n".write(to: idle, atomically: true, encoding: .utf8)
        let port = FreePort.pick()
        let (server, _) = try await GatewayBinaryTests.devServer(port: port, configuration: capped.path, log: directory.appendingPathComponent("server.log"))
        defer { EndToEndTests.stop(server) }
        let idlePort = FreePort.pick()
        let (idleServer, _) = try await GatewayBinaryTests.devServer(port: idlePort, configuration: idle.path, log: directory.appendingPathComponent("idle.log"))
        defer { EndToEndTests.stop(idleServer) }

        // The status checks' connections are gone once the server counted them out.
        let held = try await Eventually.value(every: .milliseconds(100)) { () -> [Int32]? in
            let sockets = try (0..<3).map { _ in try Self.connect(port) }
            if sockets.allSatisfy({ Self.answers($0) }) { return sockets }
            sockets.forEach { close($0) }
            return nil
        }
        let open = try #require(held, "three connections were never served")
        let fourth = try Self.connect(port)
        #expect(Self.closedByServer(fourth, within: 30), "a connection past max_connections is closed on arrival")
        close(fourth)
        // A freed place serves again.
        close(open[0])
        let again = try await Eventually.value(every: .milliseconds(100)) { () -> Int32? in
            let socket = try Self.connect(port)
            if Self.answers(socket) { return socket }
            close(socket)
            return nil
        }
        let replacement = try #require(again, "a freed place was not given to a new connection")
        for socket in [open[1], open[2], replacement] { close(socket) }
        #expect(try String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8).contains("too many open"))

        // Idle connections are closed by the server (after 1 s there): one that never sent a request, and one after its answer.
        let silent = try Self.connect(idlePort)
        let served = try Self.connect(idlePort)
        #expect(Self.answers(served))
        for socket in [silent, served] {
            #expect(Self.closedByServer(socket, within: 30), "an idle connection stayed open")
            close(socket)
        }
    }
}
