import Crypto
import Foundation
import OpenKCMCore

/// Single-thread throughput of the core's L4 operations beside raw swift-crypto
/// AES-GCM on the same 32-byte key, measured in one run.
///
/// Usage: swift run -c release openkcm-bench [iterations per round] [rounds]
@main
struct Bench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
        let iterations = arguments.first ?? 200_000
        let rounds = arguments.dropFirst().first ?? 5

        let storage = SealedStorage(backend: InMemoryStorage())
        storage.unseal(with: .generate())
        let l1 = SoftwareKeystore(name: "bench-l1")
        let chain = KeyChain(storage: storage, keystores: KeystoreRegistry([l1]))
        let tenant = try TenantID("bench")
        let service = try ServiceID("payments")
        try await chain.createTenant(tenant, l1: l1.reference)
        try await chain.createService(service, tenant: tenant)

        let dataKey = SymmetricKey(size: .bits256)
        let plaintext = dataKey.withUnsafeBytes { Data($0) }
        let rawKey = SymmetricKey(size: .bits256)
        let sealedRaw = try AES.GCM.seal(plaintext, using: rawKey)
        let wrapped = try await chain.wrapDataKey(dataKey, tenant: tenant, service: service)

        var results: [(String, Double)] = []
        results.append(("raw AES.GCM.seal (32-byte plaintext)", try best(rounds, iterations) {
            _ = try AES.GCM.seal(plaintext, using: rawKey)
        }))
        results.append(("core L4 wrap (wrapDataKey)", try await bestAsync(rounds, iterations) {
            _ = try await chain.wrapDataKey(dataKey, tenant: tenant, service: service)
        }))
        results.append(("core L4 generate (generateDataKey)", try await bestAsync(rounds, iterations) {
            _ = try await chain.generateDataKey(tenant: tenant, service: service)
        }))
        results.append(("raw AES.GCM.open (32-byte plaintext)", try best(rounds, iterations) {
            _ = try AES.GCM.open(sealedRaw, using: rawKey)
        }))
        results.append(("core L4 unwrap (unwrapDataKey)", try await bestAsync(rounds, iterations) {
            _ = try await chain.unwrapDataKey(wrapped, tenant: tenant, service: service)
        }))

        emit("openkcm-bench: \(iterations) operations per round, best of \(rounds) rounds, 1 thread")
        emit("")
        emit("| operation | ops/s | vs raw |")
        emit("|---|---:|---:|")
        let rawSeal = results[0].1
        let rawOpen = results[3].1
        for (index, (name, rate)) in results.enumerated() {
            let base = index < 3 ? rawSeal : rawOpen
            emit("| \(name) | \(Int(rate)) | \(String(format: "%.0f%%", rate / base * 100)) |")
        }
    }

    static func best(_ rounds: Int, _ iterations: Int, _ body: () throws -> Void) throws -> Double {
        var bestRate = 0.0
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try body() }
            bestRate = max(bestRate, Double(iterations) / seconds(ContinuousClock.now - start))
        }
        return bestRate
    }

    static func bestAsync(_ rounds: Int, _ iterations: Int, _ body: @Sendable () async throws -> Void) async throws -> Double {
        var bestRate = 0.0
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try await body() }
            bestRate = max(bestRate, Double(iterations) / seconds(ContinuousClock.now - start))
        }
        return bestRate
    }

    /// Results go to standard output: printing them is this tool's job.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
