import Crypto
import Foundation
import Testing
@testable import OpenKCMClient

/// The SDK against the vectors in docs/record-format.md, computed by an
/// independent Python implementation (scripts/vectors/record_vectors.py).
@Suite struct RecordVectorTests {
    struct Vector {
        var title: String
        var fields: [String: String]
        func bytes(_ name: String) throws -> [UInt8] { try #require(hex(fields[name] ?? "x"), "\(title): \(name)") }
        var context: [String: String] {
            (try? JSONSerialization.jsonObject(with: Data((fields["context"] ?? "{}").utf8))) as? [String: String] ?? [:]
        }
    }

    static func hex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let byte = UInt8(String(decoding: utf8[index..<(index + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }

    static func vectors() throws -> [Vector] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/record-format.md")
        var vectors: [Vector] = []
        for line in try String(contentsOf: path, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("### Vector ") {
                vectors.append(Vector(title: String(line.dropFirst(4)), fields: [:]))
            } else if let colon = line.firstIndex(of: ":"), !vectors.isEmpty, !line.hasPrefix("#") {
                vectors[vectors.count - 1].fields[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
        }
        return vectors
    }

    @Test func recordsMatchTheReference() throws {
        let records = try Self.vectors().filter { $0.fields["record"] != nil }
        #expect(records.count == 2)
        for vector in records {
            let key = SymmetricKey(data: try vector.bytes("data-key"))
            let context = try RecordContext.encode(vector.context)
            let sealed = try EnvelopeRecord.seal(try vector.bytes("plaintext"), key: key, wrappedKey: try vector.bytes("wrapped-key"), context: context,
                                                 nonce: try AES.GCM.Nonce(data: try vector.bytes("nonce")))
            #expect(sealed == (try vector.bytes("record")), "\(vector.title)")
            let opened = try EnvelopeRecord(parsing: try vector.bytes("record")).open(key: key, context: context)
            #expect(opened == (try vector.bytes("plaintext")), "\(vector.title)")
        }
    }

    @Test func streamsMatchTheReference() throws {
        let streams = try Self.vectors().filter { $0.fields["stream-sha256"] != nil }
        #expect(streams.count == 2)
        for vector in streams {
            let key = SymmetricKey(data: try vector.bytes("data-key"))
            let context = try RecordContext.encode(vector.context)
            let length = Int(vector.fields["plaintext"]?.split(separator: " ").first ?? "") ?? -1
            let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            var encryptor = try StreamEncryptor(dataKey: key, wrappedKey: try vector.bytes("wrapped-key"), context: context,
                                                chunkSize: Int(vector.fields["chunk-size"] ?? "") ?? 0, salt: try vector.bytes("salt"))
            let stream = try encryptor.update(plaintext) + (try encryptor.finish())
            #expect(Array(stream.prefix(try vector.bytes("header").count)) == (try vector.bytes("header")), "\(vector.title)")
            #expect(stream.count == Int(vector.fields["stream-length"] ?? ""), "\(vector.title)")
            #expect(Array(SHA256.hash(data: stream)) == (try vector.bytes("stream-sha256")), "\(vector.title)")
            var decryptor = try StreamDecryptor(dataKey: key, context: context)
            #expect(try decryptor.update(stream) + (try decryptor.finish()) == plaintext, "\(vector.title)")
        }
    }
}
