import ArgumentParser
import Foundation
import KMIP
import NIOCore
import NIOPosix
import NIOSSL

/// Drives a KMIP server over mutual TLS with persistent connections, one
/// request in flight per connection, and prints ops/s and latency
/// percentiles as one Markdown table row.
///
/// Operations: `encrypt` (AES-GCM Encrypt of 64 bytes with a key made and
/// activated first) and `create-get` (one batch: Create an AES-256 key, then
/// Get it through the ID Placeholder). With `--rate`, requests are paced to
/// that total rate across the connections. Latency is from writing a request
/// to reading its answer.
@main
struct KMIPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openkcm-kmip-bench", abstract: "KMIP load over mutual TLS.")

    @Option var host = "127.0.0.1"
    @Option var port: Int?
    @Option(help: "Several replicas' KMIP listeners, host:port comma-separated (instead of --host/--port): connections are spread over them, and one that cannot connect tries the next.")
    var servers: String?
    @Option(help: "Client certificate (PEM).") var cert: String
    @Option(help: "Client key (PEM).") var key: String
    @Option(help: "CA of the server's certificate (PEM).") var ca: String
    @Option(help: "encrypt, create-get, sign-ecdsa (P-256, SHA-256, 64 bytes) or decrypt-rsa (RSA-2048 OAEP SHA-256, 32 bytes).")
    var operation = "encrypt"
    @Option(help: "Connections, each with one request in flight.") var concurrency = 1
    @Option(help: "Seconds to measure, after one second of warm-up.") var seconds = 10.0
    @Option(help: "Total requests per second to pace to (default: as fast as answered).") var rate: Double?
    @Option(help: "Event loop threads for the client.") var threads = 1

    func run() async throws {
        // Tasks then run on NIO's event loops, beside their channels, not on a separate pool.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        guard ["encrypt", "create-get", "sign-ecdsa", "decrypt-rsa"].contains(operation) else {
            throw ValidationError("--operation is encrypt, create-get, sign-ecdsa or decrypt-rsa")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(ca)
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        // The server's certificate names 127.0.0.1; the chain is still verified.
        tls.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let results: [KMIPBenchConnection.Tally]
        do {
            results = try await measure(context: context, group: group)
            try await group.shutdownGracefully()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }

        let latencies = results.flatMap(\.latencies).sorted()
        let failures = results.reduce(0) { $0 + $1.failures }
        guard !latencies.isEmpty else { throw ValidationError("no request completed") }
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        let opsPerSecond = Double(latencies.count) / seconds
        emit(String(format: "| %@ | %d | %@ | %.0f | %.3f | %.3f | %.3f | %d |", operation, concurrency, rate.map { String(format: "%.0f", $0) } ?? "max",
                     opsPerSecond, percentile(0.5), percentile(0.99), percentile(0.999), failures))
        if failures > 0 { throw ExitCode(2) }
    }

    /// Sets up the request, then drives every connection at once.
    /// Every server to connect to, in order.
    func endpoints() throws -> [(host: String, port: Int)] {
        guard let servers else {
            guard let port else { throw ValidationError("give --port (with --host) or --servers host:port,host:port") }
            return [(host, port)]
        }
        return try servers.split(separator: ",").map { one in
            guard let colon = one.lastIndex(of: ":"), let port = Int(one[one.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationError("--servers takes host:port, comma-separated; got '\(one)'")
            }
            return (String(one[..<colon]), port)
        }
    }

    /// `body` on a connection to `endpoints[first]`, or to the next one that accepts a connection.
    static func withConnection<Result: Sendable>(
        _ endpoints: [(host: String, port: Int)], first: Int, context: NIOSSLContext, group: any EventLoopGroup,
        _ body: (inout KMIPBenchConnection) async throws -> Result
    ) async throws -> Result {
        var lastError: (any Error)?
        for offset in 0..<endpoints.count {
            let (host, port) = endpoints[(first + offset) % endpoints.count]
            var reached = false
            do {
                return try await KMIPBenchConnection.with(host: host, port: port, context: context, group: group) { connection in
                    reached = true
                    return try await body(&connection)
                }
            } catch where !reached {
                lastError = error
            }
        }
        throw lastError ?? ValidationError("no server to connect to")
    }

    func measure(context: NIOSSLContext, group: any EventLoopGroup) async throws -> [KMIPBenchConnection.Tally] {
        let endpoints = try endpoints()
        // The answers are read by scanning for Result Status only: check that scan on answers the codec wrote.
        let header = KMIPResponseHeader(protocolVersion: .v1_4, timeStamp: 0, batchCount: 2)
        let mixed = KMIPResponseMessage(header: header, batchItems: [
            .failure(for: nil, reason: .itemNotFound, message: "x"),
            .success(for: KMIPRequestBatchItem(operation: .encrypt, payload: []), payload: [TTLVItem(.data, .byteString([1, 2, 3]))]),
        ])
        guard KMIPBenchConnection.failedItems(in: ByteBuffer(bytes: TTLVEncoder.encode(mixed.ttlv))) == 1 else {
            throw ValidationError("the Result Status scan miscounts")
        }
        let request: [UInt8]
        if operation == "encrypt" {
            let created = try await Self.withConnection(endpoints, first: 0, context: context, group: group) { connection in
                try await connection.call(Self.message([(.create, Self.createAES), (.activate, [])]))
            }
            guard let uid = created.first?.payload?[.uniqueIdentifier]?.textValue else { throw ValidationError("Create failed: \(created)") }
            request = Self.message([(.encrypt, [
                TTLVItem(.uniqueIdentifier, .textString(uid)),
                .structure(.cryptographicParameters, [TTLVItem(.blockCipherMode, .enumeration(KMIPBlockCipherMode.gcm.rawValue))]),
                TTLVItem(.data, .byteString(Array(repeating: 0x61, count: 64))),
            ])])
        } else if operation == "sign-ecdsa" || operation == "decrypt-rsa" {
            request = try await Self.withConnection(endpoints, first: 0, context: context, group: group) { connection in
                try await Self.keyPairRequest(operation, &connection)
            }
        } else {
            request = Self.message([(.create, Self.createAES), (.get, [])])
        }
        let warmUp = ContinuousClock.now + .seconds(1)
        let end = warmUp + .milliseconds(Int(seconds * 1000))
        let connections = concurrency
        let interval = rate.map { Duration.nanoseconds(Int64(Double(connections) / $0 * 1e9)) }
        return try await withThrowingTaskGroup(of: KMIPBenchConnection.Tally.self) { tasks in
            for index in 0..<connections {
                // Paced connections start staggered, so the total rate is even.
                let offset = interval.map { $0 * Double(index) / Double(connections) } ?? .zero
                tasks.addTask {
                    try await Self.withConnection(endpoints, first: index % endpoints.count, context: context, group: group) { connection in
                        try await connection.drive(request, from: warmUp, until: end, interval: interval, offset: offset)
                    }
                }
            }
            var all: [KMIPBenchConnection.Tally] = []
            for try await tally in tasks { all.append(tally) }
            return all
        }
    }

    /// The request an asymmetric run repeats, after making its key pair (both keys activated):
    /// an ECDSA P-256 Sign of 64 bytes, or an RSA-2048 OAEP Decrypt of 32 bytes the server encrypted first.
    static func keyPairRequest(_ operation: String, _ connection: inout KMIPBenchConnection) async throws -> [UInt8] {
        let rsa = operation == "decrypt-rsa"
        let attribute = { (name: String, value: TTLVValue) in
            TTLVItem.structure(.attribute, [TTLVItem(.attributeName, .textString(name)), TTLVItem(.attributeValue, value)])
        }
        let made = try await connection.call(Self.message([(.createKeyPair, [
            .structure(.commonTemplateAttribute, [
                attribute("Cryptographic Algorithm", .enumeration((rsa ? KMIPCryptographicAlgorithm.rsa : .ecdsa).rawValue)),
                attribute("Cryptographic Length", .integer(rsa ? 2048 : 256)),
            ]),
        ])]))
        guard let privateKey = made.first?.payload?[.privateKeyUniqueIdentifier]?.textValue,
              let publicKey = made.first?.payload?[.publicKeyUniqueIdentifier]?.textValue
        else { throw ValidationError("Create Key Pair failed: \(made)") }
        _ = try await connection.call(Self.message([(.activate, [TTLVItem(.uniqueIdentifier, .textString(privateKey))]),
                                                    (.activate, [TTLVItem(.uniqueIdentifier, .textString(publicKey))])]))
        guard rsa else {
            return Self.message([(.sign, [
                TTLVItem(.uniqueIdentifier, .textString(privateKey)),
                .structure(.cryptographicParameters, [TTLVItem(.digitalSignatureAlgorithm, .enumeration(KMIPDigitalSignatureAlgorithm.ecdsaWithSHA256.rawValue))]),
                TTLVItem(.data, .byteString(Array(repeating: 0x61, count: 64))),
            ])])
        }
        let oaep = TTLVItem.structure(.cryptographicParameters, [TTLVItem(.paddingMethod, .enumeration(KMIPPaddingMethod.oaep.rawValue)),
                                                                 TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha256.rawValue))])
        let encrypted = try await connection.call(Self.message([(.encrypt, [
            TTLVItem(.uniqueIdentifier, .textString(publicKey)), oaep, TTLVItem(.data, .byteString(Array(repeating: 0x62, count: 32))),
        ])]))
        guard let ciphertext = encrypted.first?.payload?[.data]?.bytesValue else { throw ValidationError("RSA Encrypt failed: \(encrypted)") }
        return Self.message([(.decrypt, [TTLVItem(.uniqueIdentifier, .textString(privateKey)), oaep, TTLVItem(.data, .byteString(ciphertext))])])
    }

    /// Results go to standard output, unbuffered.
    func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static let createAES: [TTLVItem] = [
        TTLVItem(.objectType, .enumeration(KMIPObjectType.symmetricKey.rawValue)),
        .structure(.templateAttribute, [
            .structure(.attribute, [TTLVItem(.attributeName, .textString("Cryptographic Algorithm")),
                                    TTLVItem(.attributeValue, .enumeration(KMIPCryptographicAlgorithm.aes.rawValue))]),
            .structure(.attribute, [TTLVItem(.attributeName, .textString("Cryptographic Length")), TTLVItem(.attributeValue, .integer(256))]),
        ]),
    ]

    /// A KMIP 1.4 request message of these batch items.
    static func message(_ items: [(KMIPOperation, [TTLVItem])]) -> [UInt8] {
        let request = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: .v1_4, batchCount: Int32(items.count)),
                                         batchItems: items.map { KMIPRequestBatchItem(operation: $0.0, payload: $0.1) })
        return TTLVEncoder.encode(request.ttlv)
    }
}
