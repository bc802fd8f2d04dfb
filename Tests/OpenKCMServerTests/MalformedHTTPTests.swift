import Foundation
import OpenKCMTestSupport
import Testing
import OpenKCMCore

/// Requests the HTTP parser itself refuses get a problem+json 400 like every
/// other refusal (not a bare 400 with an empty body), and are audited: the
/// real binary, raw bytes over a socket.
@Suite struct MalformedHTTPTests {
    /// Sends `request` as raw bytes and returns what came back (the server closes the connection).
    static func raw(_ request: [UInt8], port: Int) throws -> String {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import socket, sys
            s = socket.create_connection(("127.0.0.1", \(port)), timeout=30)
            s.sendall(sys.stdin.buffer.read())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            sys.stdout.buffer.write(data)
            """]
        let input = Pipe()
        let output = Pipe()
        python.standardInput = input
        python.standardOutput = output
        try python.run()
        input.fileHandleForWriting.write(Data(request))
        try input.fileHandleForWriting.close()
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func parserRefusalsAreProblemsAndAudited() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-malformed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, port, root, _, _) = try await GatewayBinaryTests.devCore(in: directory)
        defer { EndToEndTests.stop(server) }

        let requests: [(String, [UInt8])] = [
            ("raw UTF-8 in the path", Array("GET /v1/tenants/\u{00e9}\u{00e9} HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("a control byte in the path", Array("GET /v1/ten".utf8) + [0x01] + Array("ants HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("a NUL in a header", Array("GET /v1/tenants HTTP/1.1\r\nHost: x\r\nX-Note: a".utf8) + [0x00] + Array("b\r\n\r\n".utf8)),
            ("no request line", Array("\u{1}\u{2}\u{3} nonsense\r\n\r\n".utf8)),
        ]
        for (name, bytes) in requests {
            let answer = try Self.raw(bytes, port: port)
            let parts = answer.components(separatedBy: "\r\n\r\n")
            #expect(parts.first?.hasPrefix("HTTP/1.1 400") == true, "\(name): \(answer)")
            #expect(parts.first?.lowercased().contains("content-type: application/problem+json") == true, "\(name): \(answer)")
            let body = EndToEndTests.json(parts.dropFirst().joined(separator: "\r\n\r\n"))
            #expect(body["code"] as? String == "request.malformed_http" && body["status"] as? Int == 400, "\(name): \(answer)")
        }
        // The server still serves, and every refusal is in the audit log.
        #expect(try await EndToEndTests.openkcmOffPool(["tenant", "list"], port: port, token: root).status == 0)
        let audited = try await Eventually.holds {
            let list = EndToEndTests.json(try await EndToEndTests.openkcmOffPool(["audit", "list", "--limit", "1000", "--output", "json"], port: port, token: root).stdout)
            return ((list["entries"] as? [[String: Any]]) ?? []).filter { $0["operation"] as? String == "http.malformed" }.count == requests.count
        }
        #expect(audited, "the refusals were not all audited")
    }
}
