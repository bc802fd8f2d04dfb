import Crypto
import Foundation
import Synchronization
import Testing
@testable import OpenKCMClient

@Suite struct EnvelopeEncryptorTests {
    @Test func recordsRoundTripAndAreBoundToTheirContext() async throws {
        let source = LocalDataKeySource()
        let encryptor = EnvelopeEncryptor(source: source)
        let plaintext = Array("4242 4242 4242 4242".utf8)
        let record = try await encryptor.encrypt(plaintext, context: ["customer": "42", "table": "cards"])
        #expect(record.count == 6 + 60 + 12 + plaintext.count + 16)
        #expect(try await encryptor.decrypt(record, context: ["table": "cards", "customer": "42"]) == plaintext)
        await #expect(throws: OpenKCMClientError.self) { try await encryptor.decrypt(record, context: ["customer": "43", "table": "cards"]) }
        await #expect(throws: OpenKCMClientError.self) { try await encryptor.decrypt(record) }
        // Every single-byte change is refused.
        for index in record.indices {
            var tampered = record
            tampered[index] ^= 0x01
            await #expect(throws: OpenKCMClientError.self, "byte \(index)") {
                try await encryptor.decrypt(tampered, context: ["customer": "42", "table": "cards"])
            }
        }
        await #expect(throws: OpenKCMClientError.malformed("truncated")) { try await encryptor.decrypt(Array(record.prefix(70)), context: [:]) }
        await #expect(throws: OpenKCMClientError.self) { try await encryptor.decrypt([0x4F, 0x52, 0x02, 0x01, 0, 1, 0], context: [:]) }
    }

    @Test func aRecordWhoseKeyIsSwappedDoesNotOpen() async throws {
        // The data key's wrapped form is in the additional data: a record
        // with another record's wrapped key (same context) fails.
        let source = LocalDataKeySource()
        let encryptor = EnvelopeEncryptor(source: source, reuse: .never)
        let one = try await encryptor.encrypt(Array("one".utf8), context: ["k": "v"])
        let two = try await encryptor.encrypt(Array("two".utf8), context: ["k": "v"])
        let swapped = Array(two.prefix(66)) + Array(one.dropFirst(66))
        await #expect(throws: OpenKCMClientError.authenticationFailed) { try await encryptor.decrypt(swapped, context: ["k": "v"]) }
    }

    @Test func dataKeysAreReusedWithinTheLimits() async throws {
        let source = LocalDataKeySource()
        let reusing = EnvelopeEncryptor(source: source)
        for index in 0..<100 { _ = try await reusing.encrypt(Array(repeating: UInt8(index), count: 64), context: ["tenant-record": "x"]) }
        #expect(source.wraps.load(ordering: .relaxed) == 1)
        _ = try await reusing.encrypt([1], context: ["tenant-record": "y"])
        #expect(source.wraps.load(ordering: .relaxed) == 2, "a new context gets its own key")

        let counted = LocalDataKeySource()
        let limited = EnvelopeEncryptor(source: counted, reuse: DataKeyReuse(maximumMessages: 10))
        for _ in 0..<100 { _ = try await limited.encrypt([1, 2, 3]) }
        #expect(counted.wraps.load(ordering: .relaxed) == 10)

        let bytes = LocalDataKeySource()
        let byBytes = EnvelopeEncryptor(source: bytes, reuse: DataKeyReuse(maximumBytes: 1000))
        for _ in 0..<10 { _ = try await byBytes.encrypt(Array(repeating: 0, count: 400)) }
        #expect(bytes.wraps.load(ordering: .relaxed) == 5)

        let fresh = LocalDataKeySource()
        let never = EnvelopeEncryptor(source: fresh, reuse: .never)
        for _ in 0..<20 { _ = try await never.encrypt([1]) }
        #expect(fresh.wraps.load(ordering: .relaxed) == 20)
    }

    @Test func contextLimits() async throws {
        let encryptor = EnvelopeEncryptor(source: LocalDataKeySource())
        await #expect(throws: OpenKCMClientError.self) { try await encryptor.encrypt([1], context: ["": "v"]) }
        await #expect(throws: OpenKCMClientError.self) { try await encryptor.encrypt([1], context: ["k": String(repeating: "v", count: 1025)]) }
        await #expect(throws: OpenKCMClientError.self) {
            try await encryptor.encrypt([1], context: Dictionary(uniqueKeysWithValues: (0..<65).map { ("k\($0)", "v") }))
        }
    }
}
