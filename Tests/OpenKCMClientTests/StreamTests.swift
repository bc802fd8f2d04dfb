import Crypto
import Foundation
import Testing
@testable import OpenKCMClient

@Suite struct StreamTests {
    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Encrypts in pieces of random sizes.
    static func encrypt(_ plaintext: [UInt8], _ encryptor: EnvelopeEncryptor, chunkSize: Int, context: [String: String]) async throws -> [UInt8] {
        var stream = try await encryptor.streamEncryptor(context: context, chunkSize: chunkSize)
        var out: [UInt8] = []
        var offset = 0
        while offset < plaintext.count {
            let piece = min(plaintext.count - offset, Int.random(in: 1...(chunkSize * 3)))
            out += try stream.update(plaintext[offset..<(offset + piece)])
            offset += piece
        }
        return out + (try stream.finish())
    }

    static func decrypt(_ ciphertext: [UInt8], _ encryptor: EnvelopeEncryptor, context: [String: String]) async throws -> [UInt8] {
        var stream = try await encryptor.streamDecryptor(header: Array(ciphertext.prefix(4096)), context: context)
        var out: [UInt8] = []
        var offset = 0
        while offset < ciphertext.count {
            let piece = min(ciphertext.count - offset, Int.random(in: 1...5000))
            out += try stream.update(ciphertext[offset..<(offset + piece)])
            offset += piece
        }
        return out + (try stream.finish())
    }

    @Test func streamsRoundTripInAnyPieces() async throws {
        let encryptor = EnvelopeEncryptor(source: LocalDataKeySource())
        let context = ["file": "backup-2026-11-25"]
        for size in [0, 1, 1023, 1024, 1025, 4096, 10_000, 65_536 * 3, 65_536 * 3 + 17] {
            let plaintext = Self.random(size)
            let chunk = size > 100_000 ? 65_536 : 1024
            let ciphertext = try await Self.encrypt(plaintext, encryptor, chunkSize: chunk, context: context)
            let chunks = max(1, (size + chunk - 1) / chunk + (size % chunk == 0 && size > 0 ? 0 : 0))
            #expect(ciphertext.count == 6 + 60 + 20 + size + 16 * (size == 0 ? 1 : (size + chunk - 1) / chunk), "size \(size), \(chunks) chunks")
            #expect(try await Self.decrypt(ciphertext, encryptor, context: context) == plaintext, "size \(size)")
        }
    }

    @Test func truncatedReorderedOrExtendedStreamsFail() async throws {
        let encryptor = EnvelopeEncryptor(source: LocalDataKeySource())
        let context = ["file": "f"]
        let plaintext = Self.random(4 * 1024 + 100)
        let ciphertext = try await Self.encrypt(plaintext, encryptor, chunkSize: 1024, context: context)
        let header = 6 + 60 + 20
        let sealed = 1024 + 16
        func fails(_ bytes: [UInt8], _ what: String) async {
            await #expect(throws: OpenKCMClientError.self, "\(what)") { _ = try await Self.decrypt(bytes, encryptor, context: context) }
        }
        // Cut at a chunk boundary: the last chunk present was not sealed final.
        await fails(Array(ciphertext.prefix(header + 2 * sealed)), "truncated at a boundary")
        await fails(Array(ciphertext.prefix(header + 2 * sealed + 100)), "truncated inside a chunk")
        await fails(Array(ciphertext.dropLast()), "last byte dropped")
        // Two chunks swapped.
        var swapped = Array(ciphertext.prefix(header))
        swapped += ciphertext[(header + sealed)..<(header + 2 * sealed)]
        swapped += ciphertext[header..<(header + sealed)]
        swapped += ciphertext[(header + 2 * sealed)...]
        await fails(swapped, "reordered")
        // A chunk repeated, a chunk dropped, bytes appended, one bit flipped, another context.
        await fails(Array(ciphertext.prefix(header + sealed)) + Array(ciphertext[header...]), "repeated")
        await fails(Array(ciphertext.prefix(header)) + Array(ciphertext[(header + sealed)...]), "dropped")
        await fails(ciphertext + [0], "extended")
        var flipped = ciphertext
        flipped[header + sealed + 5] ^= 0x80
        await fails(flipped, "flipped")
        await #expect(throws: OpenKCMClientError.self) { _ = try await Self.decrypt(ciphertext, encryptor, context: ["file": "g"]) }
        // A record is not a stream, and a stream is not a record.
        await #expect(throws: OpenKCMClientError.self) { _ = try await encryptor.decrypt(ciphertext, context: context) }
    }
}

@Suite struct FileStreamTests {
    @Test func filesRoundTripAndAFailedDecryptLeavesNoOutput() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        let plaintext = StreamTests.random(3 * 65_536 + 999)
        try Data(plaintext).write(to: directory.appendingPathComponent("plain"))
        let encryptor = EnvelopeEncryptor(source: LocalDataKeySource())
        #expect(try await encryptor.encryptFile(at: path("plain"), to: path("sealed"), context: ["file": "x"], bufferSize: 10_000) == plaintext.count)
        #expect(try await encryptor.decryptFile(at: path("sealed"), to: path("opened"), context: ["file": "x"], bufferSize: 7_000) == plaintext.count)
        #expect(Array(try Data(contentsOf: directory.appendingPathComponent("opened"))) == plaintext)

        // Cut at a chunk boundary: the last 999-byte chunk and its tag are gone.
        let sealed = try Data(contentsOf: directory.appendingPathComponent("sealed"))
        try sealed.prefix(sealed.count - (999 + 16)).write(to: directory.appendingPathComponent("cut"))
        await #expect(throws: OpenKCMClientError.authenticationFailed) {
            try await encryptor.decryptFile(at: path("cut"), to: path("partial"), context: ["file": "x"])
        }
        #expect(!FileManager.default.fileExists(atPath: path("partial")))
    }
}
