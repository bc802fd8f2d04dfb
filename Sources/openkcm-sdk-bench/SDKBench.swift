import Crypto
import Foundation
import OpenKCMClient
import OpenKCMCore
import OpenKCMGateway

/// The SDK's cost beside raw swift-crypto, measured in one run:
///   records: EnvelopeEncryptor.encrypt of 1 KiB records against raw
///   AES.GCM.seal of the same bytes (one thread; data keys wrapped by an
///   in-process core key chain, reused within the default limits);
///   stream: a 1 GiB file through encryptFile and decryptFile, with the
///   process's peak resident memory.
///
///   gateway: an in-process gateway's wraps, from `concurrency` tasks at
///   once, batched to a running core over HTTP: keys/s and the batch sizes.
///
/// Usage: openkcm-sdk-bench records [records per round] [rounds]
///        openkcm-sdk-bench stream [MiB] [directory]
///        openkcm-sdk-bench gateway CORE-URL TENANT SERVICE TOKEN-FILE [seconds] [concurrency]
@main
struct SDKBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "gateway", arguments.count >= 5 {
            let token = try String(contentsOfFile: arguments[4], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let environment = ProcessInfo.processInfo.environment
            let inFlight = Int(environment["OPENKCM_BENCH_BATCHES_IN_FLIGHT"] ?? "") ?? 2
            var configuration = GatewayConfiguration(coreURL: arguments[1], tenant: arguments[2], service: arguments[3], token: token, batchesInFlight: inFlight)
            // The core's data-key channel (host:port), as `openkcm gateway --core-channel` would use it.
            if let channel = environment["OPENKCM_BENCH_CHANNEL"], let colon = channel.lastIndex(of: ":"), let port = Int(channel[channel.index(after: colon)...]) {
                configuration.coreChannel = CoreChannelConfiguration(host: String(channel[..<colon]), port: port)
            }
            try await gateway(configuration, seconds: arguments.count > 5 ? Double(arguments[5]) ?? 10 : 10, concurrency: arguments.count > 6 ? Int(arguments[6]) ?? 64 : 64)
            return
        }
        let chain = try await KeyChainDataKeySource.make()
        let encryptor = EnvelopeEncryptor(source: chain)
        if arguments.first == "stream" {
            try await stream(encryptor, mebibytes: arguments.dropFirst().first.flatMap(Int.init) ?? 1024,
                             directory: arguments.dropFirst(2).first ?? FileManager.default.temporaryDirectory.path)
        } else {
            try await records(encryptor, count: arguments.dropFirst().first.flatMap(Int.init) ?? 200_000,
                              rounds: arguments.dropFirst(2).first.flatMap(Int.init) ?? 5)
        }
    }

    static func records(_ encryptor: EnvelopeEncryptor, count: Int, rounds: Int) async throws {
        let record = [UInt8](repeating: 0x5A, count: 1024)
        let context = ["table": "orders"]
        let raw = SymmetricKey(size: .bits256)
        var rawBest = 0.0
        var sdkBest = 0.0
        var openBest = 0.0
        let sealed = try await encryptor.encrypt(record, context: context)
        for _ in 0..<rounds {
            var start = ContinuousClock.now
            for _ in 0..<count { _ = try AES.GCM.seal(record, using: raw) }
            rawBest = max(rawBest, Double(count) / seconds(ContinuousClock.now - start))
            start = .now
            for _ in 0..<count { _ = try await encryptor.encrypt(record, context: context) }
            sdkBest = max(sdkBest, Double(count) / seconds(ContinuousClock.now - start))
            start = .now
            for _ in 0..<(count / 10) { _ = try await encryptor.decrypt(sealed, context: context) }
            openBest = max(openBest, Double(count / 10) / seconds(ContinuousClock.now - start))
        }
        emit("openkcm-sdk-bench records: 1 KiB records, \(count) per round, best of \(rounds), 1 thread")
        emit("")
        emit("| operation | records/s | GB/s | vs raw |")
        emit("|---|---:|---:|---:|")
        emit(String(format: "| raw AES.GCM.seal, 1 KiB | %.0f | %.2f | 100%% |", rawBest, rawBest * 1024 / 1e9))
        emit(String(format: "| EnvelopeEncryptor.encrypt, 1 KiB | %.0f | %.2f | %.0f%% |", sdkBest, sdkBest * 1024 / 1e9, sdkBest / rawBest * 100))
        emit(String(format: "| EnvelopeEncryptor.decrypt, 1 KiB (an unwrap each, in-process core) | %.0f | %.2f | |", openBest, openBest * 1024 / 1e9))
    }

    static func stream(_ encryptor: EnvelopeEncryptor, mebibytes: Int, directory: String) async throws {
        let plain = directory + "/openkcm-sdk-bench.plain"
        let sealed = directory + "/openkcm-sdk-bench.okcm"
        let opened = directory + "/openkcm-sdk-bench.opened"
        defer { for path in [plain, sealed, opened] { try? FileManager.default.removeItem(atPath: path) } }
        // The input, written in 1 MiB pieces so that making it holds no more.
        _ = FileManager.default.createFile(atPath: plain, contents: nil)
        let writer = try FileHandle(forWritingTo: URL(fileURLWithPath: plain))
        var block = Data(count: 1 << 20)
        for index in 0..<mebibytes {
            block[0] = UInt8(truncatingIfNeeded: index)
            try writer.write(contentsOf: block)
        }
        try writer.close()
        let before = peakResidentMiB()
        var start = ContinuousClock.now
        try await encryptor.encryptFile(at: plain, to: sealed, context: ["file": "bench"])
        let encrypting = seconds(ContinuousClock.now - start)
        start = .now
        try await encryptor.decryptFile(at: sealed, to: opened, context: ["file": "bench"])
        let decrypting = seconds(ContinuousClock.now - start)
        let after = peakResidentMiB()
        let bytes = Double(mebibytes) * 1_048_576
        emit("openkcm-sdk-bench stream: \(mebibytes) MiB file, 64 KiB chunks, 1 MiB reads, files in \(directory)")
        emit(String(format: "encryptFile: %.2f s, %.2f GB/s; decryptFile: %.2f s, %.2f GB/s", encrypting, bytes / encrypting / 1e9, decrypting, bytes / decrypting / 1e9))
        emit(String(format: "peak resident memory: %.1f MiB before streaming, %.1f MiB after (the whole process)", before, after))
        let same = FileManager.default.contentsEqual(atPath: plain, andPath: opened)
        emit("round trip: \(same ? "identical" : "DIFFERENT")")
        if !same || after >= 64 { exit(1) }
    }

    /// Results go to standard output, unbuffered.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func gateway(_ configuration: GatewayConfiguration, seconds: Double, concurrency: Int) async throws {
        let gateway = Gateway(configuration: configuration)
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        _ = try await gateway.wrap(key, context: ["record": "warm-up"])
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let cpuBefore = processCPUSeconds()
        let wrapped = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < end {
                        _ = try await gateway.wrap(key, context: ["record": "bench"])
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = Self.seconds(ContinuousClock.now - start)
        let cpu = processCPUSeconds() - cpuBefore
        // Batch sizes from the gateway's own metrics (sum and count of the wrap histogram).
        let text = gateway.metricsText
        func value(_ prefix: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        }
        let batches = value(#"openkcm_gateway_batch_size_count{operation="wrap"}"#)
        let items = value(#"openkcm_gateway_batch_size_sum{operation="wrap"}"#)
        let transport = configuration.coreChannel.map { "data-key channel \($0.host):\($0.port)" } ?? "REST \(configuration.coreURL)"
        emit("openkcm-sdk-bench gateway: \(concurrency) tasks wrapping through one in-process gateway for \(seconds) s, core over \(transport)")
        emit(String(format: "wrapped: %d keys, %.0f keys/s; %.0f core batch calls, %.1f keys per batch", wrapped, Double(wrapped) / elapsed, batches, batches > 0 ? items / batches : 0))
        let coreSeconds = value("openkcm_gateway_core_duration_seconds_sum")
        let coreCalls = value("openkcm_gateway_core_duration_seconds_count")
        emit(String(format: "core round trip: %.0f µs per batch (mean, as the gateway waits for it)", coreCalls > 0 ? coreSeconds / coreCalls * 1e6 : 0))
        emit(String(format: "gateway and callers CPU per key: %.0f µs (this process, user + system)", wrapped > 0 ? cpu / Double(wrapped) * 1e6 : 0))
    }

    /// User + system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Data keys wrapped by an in-process core key chain (software L1), as the core would over REST.
struct KeyChainDataKeySource: DataKeySource {
    let chain: KeyChain
    let tenant: TenantID
    let service: ServiceID

    static func make() async throws -> KeyChainDataKeySource {
        let storage = SealedStorage(backend: InMemoryStorage())
        storage.unseal(with: .generate())
        let l1 = SoftwareKeystore(name: "bench-l1")
        let chain = KeyChain(storage: storage, keystores: KeystoreRegistry([l1]))
        let tenant = try TenantID("bench")
        let service = try ServiceID("payments")
        try await chain.createTenant(tenant, l1: l1.reference)
        try await chain.createService(service, tenant: tenant)
        return KeyChainDataKeySource(chain: chain, tenant: tenant, service: service)
    }

    func wrap(_ key: SymmetricKey, context: [String: String]) async throws(OpenKCMClientError) -> [UInt8] {
        do {
            return Array(try await chain.wrapDataKey(key, tenant: tenant, service: service, context: try EncryptionContext(context)))
        } catch {
            throw .refused(code: "bench", status: 500, detail: "\(error)")
        }
    }

    func unwrap(_ wrapped: [UInt8], context: [String: String]) async throws(OpenKCMClientError) -> SymmetricKey {
        do {
            return try await chain.unwrapDataKey(Data(wrapped), tenant: tenant, service: service, context: try EncryptionContext(context))
        } catch {
            throw .refused(code: "bench", status: 500, detail: "\(error)")
        }
    }
}
