import Foundation
import Testing
@testable import KMIP
import TTLVFuzzSupport

/// A seeded random-mutation fuzzer over the published vectors: one million
/// mutated inputs through the framer, the decoder and the message readers.
/// None may crash or hang; every one that decodes must re-encode to a tree
/// that decodes to itself. OPENKCM_FUZZ_ITERATIONS and OPENKCM_FUZZ_SEED run it
/// longer or elsewhere (see docs/kmip.md).
@Suite struct TTLVFuzzTests {
    @Test func aMillionMutatedInputsNeitherCrashNorHang() async throws {
        let corpus = (TTLVVectors.all.spec + TTLVVectors.all.messages).map(\.bytes)
        let iterations = Int(ProcessInfo.processInfo.environment["OPENKCM_FUZZ_ITERATIONS"] ?? "") ?? 1_000_000
        let seed = UInt64(ProcessInfo.processInfo.environment["OPENKCM_FUZZ_SEED"] ?? "") ?? 0x4F50_454E_4B43_4D21
        var random = SeededGenerator(state: seed)
        var decoded = 0
        var messages = 0
        let decoder = TTLVDecoder(limits: TTLVLimits(maximumMessageSize: 64 * 1024, maximumDepth: 16, maximumItems: 4096))
        for iteration in 0..<iterations {
            // Give the shared concurrency threads back now and then: other suites run beside this one.
            if iteration % 5_000 == 0 { await Task.yield() }
            let input = TTLVMutation.mutate(corpus.randomElement(using: &random)!, corpus: corpus, using: &random)
            var framer = TTLVFramer(limits: decoder.limits)
            framer.append(input)
            _ = try? framer.nextMessage()
            guard let item = try? decoder.decode(input) else { continue }
            decoded += 1
            let again = try decoder.decode(TTLVEncoder.encode(item))
            #expect(again == item)
            if (try? KMIPRequestMessage(item)) != nil || (try? KMIPResponseMessage(item)) != nil { messages += 1 }
        }
        print("TTLV fuzz (seed \(seed)): \(iterations) inputs, \(decoded) decoded, \(messages) read as KMIP messages, no crash")
        #expect(decoded > 0)
    }
}
