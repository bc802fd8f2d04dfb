import OpenKCMCore
import Testing

/// A context that arrives in its canonical bytes (a gateway's binary batch)
/// is the same context as its pairs, and nothing else is accepted.
@Suite struct CanonicalContextTests {
    private func pair(_ key: String, _ value: String) -> [UInt8] {
        [UInt8(key.utf8.count >> 8), UInt8(key.utf8.count & 0xFF)] + Array(key.utf8)
            + [UInt8(value.utf8.count >> 8), UInt8(value.utf8.count & 0xFF)] + Array(value.utf8)
    }

    @Test func canonicalBytesMakeTheSameContextAsItsPairs() throws {
        let fromPairs = try EncryptionContext(["table": "orders", "record": "42", "B": "upper"])
        let bytes: [UInt8] = [0, 3] + pair("B", "upper") + pair("record", "42") + pair("table", "orders")
        let fromBytes = try EncryptionContext(canonical: bytes)
        #expect(fromBytes == fromPairs)
        #expect(fromBytes.pairs.map(\.key) == ["B", "record", "table"])
        #expect(fromBytes.dictionary == ["table": "orders", "record": "42", "B": "upper"])
        #expect(try EncryptionContext(canonical: [0, 0]) == .empty)
    }

    @Test func anythingButCanonicalBytesIsRefused() {
        let refused: [[UInt8]] = [
            [],                                                  // no count
            [0],                                                 // half a count
            [0, 1],                                              // a pair promised, none given
            [0, 2] + pair("b", "1") + pair("a", "2"),            // unsorted
            [0, 2] + pair("a", "1") + pair("a", "2"),            // repeated
            [0, 1] + pair("", "1"),                              // empty key
            [0, 1] + pair("a", "1") + [0],                       // trailing byte
            [0, 1, 0, 1, 0xFF, 0, 0],                            // key not UTF-8
            [0, 1, 0, 9, 0x61],                                  // key runs past the end
            [0, 65] + (0..<65).flatMap { pair("k\(1000 + $0)", "") },  // too many pairs
            [0, 1] + pair("a", String(repeating: "v", count: 1025)),  // value too long
        ]
        for bytes in refused {
            #expect(throws: EnvelopeError.self, "\(bytes.prefix(12))") { try EncryptionContext(canonical: bytes) }
        }
    }
}
