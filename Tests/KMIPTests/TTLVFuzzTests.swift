import Foundation
import Testing
@testable import KMIP

/// A seeded random-mutation fuzzer over the published vectors: one million
/// mutated inputs through the framer, the decoder and the message readers.
/// None may crash or hang; every one that decodes must re-encode to a tree
/// that decodes to itself. OPENKCM_FUZZ_ITERATIONS and OPENKCM_FUZZ_SEED run it
/// longer or elsewhere (see docs/kmip.md).
@Suite struct TTLVFuzzTests {
    /// SplitMix64: the same inputs on every run, so a failure reproduces.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ input: [UInt8], corpus: [[UInt8]], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &random)] }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 1: bytes[at] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x08, 0x42].randomElement(using: &random)!
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
            case 3: bytes.remove(at: at)
            case 4:  // rewrite an item length: the header field at an 8-aligned offset + 4
                let header = (at / 8) * 8 + 4
                if header + 4 <= bytes.count {
                    let length = [0, 1, 4, 7, 8, 9, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt32.random(in: 0...256, using: &random)].randomElement(using: &random)!
                    for k in 0..<4 { bytes[header + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32(k))) }
                }
            case 5: bytes[at] = UInt8.random(in: 0x00...0x0D, using: &random)  // type codes, valid or just past them
            case 6:  // splice a piece of another vector in
                let other = corpus.randomElement(using: &random)!
                let start = Int.random(in: 0..<other.count, using: &random)
                bytes.insert(contentsOf: other[start..<min(other.count, start + Int.random(in: 1...48, using: &random))], at: at)
            default: bytes = Array(bytes.prefix(at))  // cut
            }
        }
        return bytes
    }

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
            let input = Self.mutate(corpus.randomElement(using: &random)!, corpus: corpus, using: &random)
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
