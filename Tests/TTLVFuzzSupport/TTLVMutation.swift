/// Mutations of TTLV bytes for the fuzzers: bit flips, boundary bytes,
/// insertions, deletions, rewritten item lengths and type codes, splices
/// of other inputs, and cuts, one to four per input.
public enum TTLVMutation {
    /// `input` mutated once to four times; `corpus` gives pieces to splice in.
    public static func mutate(_ input: [UInt8], corpus: [[UInt8]], using random: inout SeededGenerator) -> [UInt8] {
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
}
