import Crypto
import Foundation
import Testing
@testable import OpenKCMCore

/// Malformed, truncated, oversized and wrong-version blobs are refused with a
/// typed error, never a crash.
@Suite struct EnvelopeParsingTests {
    static let key = SymmetricKey(size: .bits256)
    static let header = EnvelopeHeader(layer: .l4, keyID: KeyID(), keyVersion: 3)
    static let binding = EnvelopeBinding(tenant: "acme", service: "payments")

    static func validBlob() throws -> [UInt8] {
        try EnvelopeCipher.wrap(SymmetricKey(size: .bits256), header: header, binding: binding, wrappingKey: key)
    }

    @Test func aWrappedKeyIs85Bytes() throws {
        #expect(try Self.validBlob().count == 85)
    }

    @Test func everyTruncationIsRefused() throws {
        let blob = try Self.validBlob()
        for length in 0..<blob.count {
            let prefix = Array(blob.prefix(length))
            do {
                let wrapped = try WrappedKey(parsing: prefix)
                // Long enough to parse: the tag can no longer verify.
                #expect(throws: EnvelopeError.authenticationFailed) {
                    try EnvelopeCipher.unwrap(wrapped, expecting: .l4, binding: Self.binding, wrappingKey: Self.key)
                }
            } catch {
                #expect(length < WrappedKey.overhead, "length \(length) refused: \(error)")
            }
        }
    }

    @Test func refusalsAreTyped() throws {
        let blob = try Self.validBlob()
        #expect(throws: EnvelopeError.truncated(length: 0, minimum: 53)) { try WrappedKey(parsing: [UInt8]()) }
        #expect(throws: EnvelopeError.badMagic) { try WrappedKey(parsing: [0x50] + blob.dropFirst()) }
        var version = blob
        version[2] = 2
        #expect(throws: EnvelopeError.unsupportedVersion(2)) { try WrappedKey(parsing: version) }
        var algorithm = blob
        algorithm[3] = 9
        #expect(throws: EnvelopeError.unsupportedAlgorithm(9)) { try WrappedKey(parsing: algorithm) }
        var layer = blob
        layer[4] = 0x99
        #expect(throws: EnvelopeError.unknownLayer(0x99)) { try WrappedKey(parsing: layer) }
        var zeroVersion = blob
        zeroVersion.replaceSubrange(21..<25, with: [0, 0, 0, 0])
        #expect(throws: EnvelopeError.invalidKeyVersion) { try WrappedKey(parsing: zeroVersion) }
        let oversized = blob + [UInt8](repeating: 0, count: WrappedKey.defaultMaximumSize)
        #expect(throws: EnvelopeError.tooLarge(length: oversized.count, maximum: WrappedKey.defaultMaximumSize)) {
            try WrappedKey(parsing: oversized)
        }
        let wrapped = try WrappedKey(parsing: blob)
        #expect(throws: EnvelopeError.wrongLayer(expected: .l3, found: .l4)) {
            try EnvelopeCipher.unwrap(wrapped, expecting: .l3, binding: Self.binding, wrappingKey: Self.key)
        }
    }

    @Test func aBlobHoldingANonKeyIsRefusedAsAKey() throws {
        let blob = try EnvelopeCipher.seal(Array(repeating: UInt8(7), count: 16), header: Self.header, binding: Self.binding, key: Self.key)
        #expect(throws: EnvelopeError.invalidKeyLength(length: 16, expected: 32)) {
            try EnvelopeCipher.unwrap(WrappedKey(parsing: blob), expecting: .l4, binding: Self.binding, wrappingKey: Self.key)
        }
    }

    @Test func everySingleBitFlipFailsToOpen() throws {
        let blob = try Self.validBlob()
        var opened = 0
        for bit in 0..<(blob.count * 8) {
            var flipped = blob
            flipped[bit / 8] ^= 1 << (bit % 8)
            if let wrapped = try? WrappedKey(parsing: flipped),
                (try? EnvelopeCipher.unwrap(wrapped, expecting: .l4, binding: Self.binding, wrappingKey: Self.key)) != nil
            {
                opened += 1
            }
        }
        #expect(opened == 0)
    }

    @Test func randomBytesNeverCrashTheParser() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...120, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length > 3, Bool.random(using: &generator) { bytes[0] = 0x4F; bytes[1] = 0x4B; bytes[2] = 1 }
            if let wrapped = try? WrappedKey(parsing: bytes) {
                #expect(throws: EnvelopeError.self) {
                    try EnvelopeCipher.unwrap(wrapped, expecting: wrapped.header.layer, binding: Self.binding, wrappingKey: Self.key)
                }
            }
        }
    }

    @Test func contextIsCanonicalAndLimited() throws {
        let a = try EncryptionContext(["b": "2", "a": "1"])
        let b = try EncryptionContext(["a": "1", "b": "2"])
        #expect(a == b)
        #expect(a.pairs.map(\.key) == ["a", "b"])
        #expect(throws: EnvelopeError.self) { try EncryptionContext(["": "x"]) }
        #expect(throws: EnvelopeError.self) { try EncryptionContext([String(repeating: "k", count: 256): "x"]) }
        #expect(throws: EnvelopeError.self) { try EncryptionContext(["k": String(repeating: "v", count: 1025)]) }
        let many = Dictionary(uniqueKeysWithValues: (0..<65).map { ("k\($0)", "v") })
        #expect(throws: EnvelopeError.self) { try EncryptionContext(many) }
        let large = Dictionary(uniqueKeysWithValues: (0..<10).map { ("k\($0)", String(repeating: "v", count: 1000)) })
        #expect(throws: EnvelopeError.self) { try EncryptionContext(large) }
    }
}
